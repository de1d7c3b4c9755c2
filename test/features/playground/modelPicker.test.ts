import { describe, expect, it } from 'vitest';
import type { ModelListEntry } from '../../../src/worker/protocol';
import {
  SHIPPED_GROUP,
  addedValue,
  pickerGroups,
  pickerValue,
  resolveModelId,
  viewPatchOf,
  type PickerSource,
} from '../../../src/features/playground/modelPicker';
import { searchToView, viewToSearch, DEFAULT_VIEW } from '../../../src/features/playground/viewState';
import { parseSetting } from '../../../src/quant/setting';

const entry = (id: string, family: string, extra: Partial<ModelListEntry> = {}): ModelListEntry => ({
  id,
  family: family as ModelListEntry['family'],
  title: id,
  params: { total: 310_000_000, linear: 1 },
  metrics: null,
  generator: true,
  ...extra,
});
const shipped = [
  entry('mnist-var-d2', 'var', { params: { total: 450_000, linear: 1 } }),
  entry('mnist-var-d1', 'var', { params: { total: 120_000, linear: 1 } }),
  entry('mnist-dit-d1', 'dit'),
  entry('mnist-vqvae', 'vqvae', { generator: false }),
];
const folder: PickerSource = {
  source: { id: 'folder-1', kind: 'folder', label: 'folder my-models' },
  models: [
    entry('folder-1:official-var-d16', 'var'),
    entry('folder-1:official-var-tokenizer', 'vqvae', { generator: false }),
    entry('folder-1:mnist-var-d1-qat-w3g32-topkld', 'var', {
      quantTraining: { setting: parseSetting('W3g32~qat-topkld'), teacher: 'folder-1:mnist-var-d1' },
    }),
  ],
};
const url: PickerSource = {
  source: { id: 'url-1', kind: 'url', label: 'https://example.org/models/' },
  models: [entry('url-1:official-dit-d28', 'dit'), entry('url-1:official-var-d20', 'var')],
};
const fmt = (n: number | undefined) => `${n}`;

describe('playground model picker', () => {
  it('lists shipped generators by depth, then each source with a generator of the family, labelled by where it came from', () => {
    const groups = pickerGroups(shipped, [folder, url], 'var', fmt);
    expect(groups.map((g) => g.label)).toEqual([SHIPPED_GROUP, 'folder my-models', 'URL https://example.org/models/']);
    expect(groups[0].options.map((o) => [o.value, o.id])).toEqual([
      ['1', 'mnist-var-d1'],
      ['2', 'mnist-var-d2'],
    ]);
    expect(groups[0].options[0].label).toBe('depth 1 (120000 params)');
    // Decoders and students are not listed; an added model is named without its source prefix.
    expect(groups[1].options.map((o) => [o.value, o.label])).toEqual([
      ['model:folder-1:official-var-d16', 'official-var-d16 (310000000 params)'],
    ]);
    expect(groups[2].options.map((o) => o.id)).toEqual(['url-1:official-var-d20']);
    // DiT: the folder has no DiT generator, so its group is left out.
    expect(pickerGroups(shipped, [folder, url], 'dit', fmt).map((g) => g.label)).toEqual([
      SHIPPED_GROUP,
      'URL https://example.org/models/',
    ]);
  });

  it('turns a picked value into a view patch: a depth clears the added model, an added id sets model and family', () => {
    expect(viewPatchOf('2', [folder, url])).toEqual({ size: 2, model: undefined });
    expect(viewPatchOf(addedValue('url-1:official-dit-d28'), [folder, url])).toEqual({
      model: 'url-1:official-dit-d28',
      family: 'dit',
    });
    // Not a generator, or a source that is gone: nothing to apply.
    expect(viewPatchOf(addedValue('folder-1:official-var-tokenizer'), [folder, url])).toBeUndefined();
    expect(viewPatchOf(addedValue('url-1:official-dit-d28'), [folder])).toBeUndefined();
  });

  it('resolves the shown generator: the added model while its source is listed, else the shipped one of the depth', () => {
    const view = { family: 'var' as const, size: 2, model: 'folder-1:official-var-d16' };
    expect(resolveModelId(view, shipped, [folder])).toBe('folder-1:official-var-d16');
    expect(pickerValue(view, 'folder-1:official-var-d16')).toBe('model:folder-1:official-var-d16');
    // Source removed (or not added yet after a reload): the shipped model, and the picker shows its depth.
    expect(resolveModelId(view, shipped, [])).toBe('mnist-var-d2');
    expect(pickerValue(view, 'mnist-var-d2')).toBe('2');
    // An added model of the other family does not stand in for this family.
    expect(resolveModelId({ ...view, model: 'url-1:official-dit-d28' }, shipped, [url])).toBe('mnist-var-d2');
    expect(resolveModelId({ family: 'dit', size: 3 }, undefined, [])).toBe('mnist-dit-d3');
  });

  it('keeps an added model in the URL and reports a value that is not an added id', () => {
    const view = { ...DEFAULT_VIEW, model: 'url-1:official-var-d16' };
    const search = viewToSearch(view);
    expect(search).toContain('model=url-1');
    expect(searchToView(search).view.model).toBe('url-1:official-var-d16');
    expect(viewToSearch(DEFAULT_VIEW)).not.toContain('model=');
    const bad = searchToView('?model=../../etc');
    expect(bad.view.model).toBeUndefined();
    expect(bad.problems.map((p) => p.param)).toEqual(['model']);
  });
});
