/**
 * Editing the playground's columns without ever showing one setting twice: two equal columns would run and draw
 * the same thing twice, and their printed settings are React keys, URL entries and cache keys, so they must be
 * unique. An edit that would repeat a column is refused and says which column has it.
 */
import { sameSetting, type QuantSetting } from '../../quant/setting';
import { settingLabel } from '../../quant/settingEditor';

export type ColumnEdit =
  | { readonly ok: true; readonly columns: readonly QuantSetting[] }
  | { readonly ok: false; readonly duplicateOf: number; readonly message: string };

/** Column `index` set to `setting`, or a refusal when another column already shows it. */
export function replaceColumn(columns: readonly QuantSetting[], index: number, setting: QuantSetting): ColumnEdit {
  if (index < 0 || index >= columns.length)
    throw new RangeError(`column ${index + 1} does not exist (there are ${columns.length})`);
  const duplicateOf = columns.findIndex((c, i) => i !== index && sameSetting(c, setting));
  if (duplicateOf >= 0)
    return { ok: false, duplicateOf, message: duplicateMessage(columns[index], index, setting, duplicateOf) };
  return { ok: true, columns: columns.map((c, i) => (i === index ? setting : c)) };
}

/** "W2 g32 is already column 2, so column 1 stays W4 g32: pick another setting, or select column 2 to edit it." */
export function duplicateMessage(
  current: QuantSetting,
  index: number,
  wanted: QuantSetting,
  duplicateOf: number,
): string {
  return `${settingLabel(wanted)} is already column ${duplicateOf + 1}, so column ${index + 1} stays ${settingLabel(current)}: pick another setting, or select column ${duplicateOf + 1} to edit it.`;
}
