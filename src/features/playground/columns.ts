/**
 * Editing the playground's columns without ever showing one setting twice: two equal columns would run and draw
 * the same thing twice, and their keys (the column keys of quantChoice.ts) are React keys, URL entries and cache
 * keys, so they must be unique. An edit that would repeat a column is refused and says which column has it.
 */
import { choiceLabel, keyToChoice } from './quantChoice';

export type ColumnEdit =
  | { readonly ok: true; readonly columns: readonly string[] }
  | { readonly ok: false; readonly duplicateOf: number; readonly message: string };

/** Column `index` set to `key`, or a refusal when another column already shows `key`. */
export function replaceColumn(columns: readonly string[], index: number, key: string): ColumnEdit {
  if (index < 0 || index >= columns.length) throw new RangeError(`column ${index + 1} does not exist (there are ${columns.length})`);
  const duplicateOf = columns.findIndex((c, i) => i !== index && c === key);
  if (duplicateOf >= 0) return { ok: false, duplicateOf, message: duplicateMessage(columns[index], index, key, duplicateOf) };
  return { ok: true, columns: columns.map((c, i) => (i === index ? key : c)) };
}

/** "W2 g32 is already column 2, so column 1 stays W4 g32: pick another setting, or select column 2 to edit it." */
export function duplicateMessage(current: string, index: number, key: string, duplicateOf: number): string {
  const wanted = labelOf(key);
  return `${wanted} is already column ${duplicateOf + 1}, so column ${index + 1} stays ${labelOf(current)}: pick another setting, or select column ${duplicateOf + 1} to edit it.`;
}

function labelOf(key: string): string {
  try {
    return choiceLabel(keyToChoice(key));
  } catch {
    return key;
  }
}
