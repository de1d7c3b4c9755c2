/** index.json: the list of bundles the app offers (docs/bundle-format.md). */
import { FieldReader, parseJson } from './fields.ts';
import { checkFormatVersion, ID_PATTERN } from './manifest.ts';
import { checkQuantTraining } from './quantTraining.ts';
import type { BundleSource } from './source.ts';
import { FAMILIES, type BundleIndex } from './types.ts';

export const INDEX_FILE = 'index.json';

export function checkIndex(raw: unknown, file = INDEX_FILE): BundleIndex {
  const r = new FieldReader(
    file,
    'Regenerate it with python3 training/export_bundle.py (it rewrites index.json from the exported bundles).',
  );
  const root = r.object(raw, 'index');
  checkFormatVersion(root, file);
  const ids = new Set<string>();
  r.array(root, 'models', 'index').forEach((entry, i) => {
    const p = `models[${i}]`;
    const e = r.object(entry, p);
    const id = r.str(e, 'id', p);
    r.check(ID_PATTERN.test(id), `${p}.id`, 'lower-case letters, digits and dashes', id);
    r.check(!ids.has(id), `${p}.id`, 'an id listed once', id);
    ids.add(id);
    r.oneOf(e, 'family', p, FAMILIES);
    // The validator reads <id>/manifest.json; any other location would be a second source of truth.
    r.check(e.manifest === `${id}/manifest.json`, `${p}.manifest`, `'${id}/manifest.json'`, e.manifest);
    r.str(e, 'title', p);
    const params = r.object(e.params, `${p}.params`);
    r.int(params, 'total', `${p}.params`);
    r.int(params, 'linear', `${p}.params`);
    if (e.metrics !== null && e.metrics !== undefined) r.object(e.metrics, `${p}.metrics`);
    if (e.quantTraining !== undefined) checkQuantTraining(r, e.quantTraining, `${p}.quantTraining`);
  });
  return root as unknown as BundleIndex;
}

export async function validateIndex(source: BundleSource): Promise<BundleIndex> {
  return checkIndex(parseJson(await source.readText(INDEX_FILE), INDEX_FILE));
}
