/**
 * The playground's model picker: the shipped generators of a family by depth, then each added source's
 * generators (folder or URL, ids `<source>:<id>`) in a group named by where they came from. The view names an
 * added model by its id (`view.model`); a shipped one by family and depth, as before.
 */
import type { ModelListEntry } from '../../worker/protocol';
import type { ModelFamily } from '../../models/bundle/types';
import { baseModels } from './runPlan';

/** An added source as the picker needs it (AddSourceResult's fields). */
export interface PickerSource {
  readonly source: { readonly id: string; readonly kind: 'url' | 'folder'; readonly label: string };
  readonly models: readonly ModelListEntry[];
}

export interface PickerOption {
  /** The select's value: the depth for a shipped model (as before added models), `model:<id>` for an added one. */
  readonly value: string;
  readonly id: string;
  readonly label: string;
}

export interface PickerGroup {
  readonly label: string;
  readonly options: readonly PickerOption[];
}

export const SHIPPED_GROUP = 'Shipped with the app';

export function shippedValue(depth: number): string {
  return String(depth);
}

export function addedValue(id: string): string {
  return `model:${id}`;
}

/** What a picker value asks of the view. */
export function viewPatchOf(
  value: string,
  sources: readonly PickerSource[],
): { size: number; model: undefined } | { model: string; family: ModelFamily } | undefined {
  if (/^\d+$/.test(value)) return { size: Number(value), model: undefined };
  const id = value.startsWith('model:') ? value.slice(6) : undefined;
  const entry = id ? addedGenerators(sources).find((m) => m.id === id) : undefined;
  return entry ? { model: entry.id, family: entry.family as ModelFamily } : undefined;
}

/** Generators of every added source (students excluded: they run as columns of their teacher). */
export function addedGenerators(sources: readonly PickerSource[]): ModelListEntry[] {
  return sources.flatMap((s) => s.models.filter((m) => m.generator && !m.quantTraining));
}

/**
 * The picker's groups for `family`: shipped models by depth, then one group per added source that has a
 * generator of the family (labelled by its folder or URL). Empty groups are left out.
 */
export function pickerGroups(
  shipped: readonly ModelListEntry[],
  sources: readonly PickerSource[],
  family: ModelFamily,
  formatParams: (n: number | undefined) => string,
): PickerGroup[] {
  const paramsOf = (id: string) => shipped.find((m) => m.id === id)?.params.total;
  const groups: PickerGroup[] = [
    {
      label: SHIPPED_GROUP,
      options: baseModels(shipped, family).map((m) => ({
        value: shippedValue(m.depth),
        id: m.id,
        label: `depth ${m.depth} (${formatParams(paramsOf(m.id))} params)`,
      })),
    },
    ...sources.map((s) => ({
      label: s.source.kind === 'url' ? `URL ${s.source.label}` : s.source.label,
      options: s.models
        .filter((m) => m.generator && !m.quantTraining && m.family === family)
        .map((m) => ({
          value: addedValue(m.id),
          id: m.id,
          label: `${m.id.slice(s.source.id.length + 1)} (${formatParams(m.params.total)} params)`,
        })),
    })),
  ];
  return groups.filter((g) => g.options.length > 0);
}

/**
 * The generator the view shows: its added model while that is listed (and of the view's family), else the
 * shipped model of the family at the view's depth (`mnist-<family>-d<size>` before the list is loaded).
 */
export function resolveModelId(
  view: { readonly family: ModelFamily; readonly size: number; readonly model?: string },
  shipped: readonly ModelListEntry[] | undefined,
  sources: readonly PickerSource[],
): string {
  if (view.model !== undefined) {
    const added = addedGenerators(sources).find((m) => m.id === view.model && m.family === view.family);
    if (added) return added.id;
  }
  const base = shipped ? baseModels(shipped, view.family).find((m) => m.depth === view.size) : undefined;
  return base?.id ?? `mnist-${view.family}-d${view.size}`;
}

/** The picker's current value for the view (the added model while it resolves to it). */
export function pickerValue(view: { readonly size: number; readonly model?: string }, modelId: string): string {
  return view.model !== undefined && view.model === modelId ? addedValue(modelId) : shippedValue(view.size);
}
