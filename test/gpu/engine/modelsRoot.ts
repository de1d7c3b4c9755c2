/**
 * A private, writable copy of the shipped models root for the engine tests (corruption tests flip bytes in
 * it). The var bundles exported before the exporter learned to drop VAR's derived buffers (commit 9c9e0b2:
 * `VAR_SKIP` in training/export_bundle.py) still carry `blocks.N.attn.zero_k_bias`, which the validator
 * rightly rejects; the copy drops those buffers (and says so) so that the engine is tested on the real
 * weights until the bundles are re-exported. Nothing else is changed.
 */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBundleSource, writeToDir } from '../../models/helpers/sources';
import { rewriteWeights } from '../../models/helpers/editBundle';
import { MODELS_DIR } from '../models/bundles';

const DERIVED_VAR_BUFFERS = /(^|\.)(zero_k_bias|lvl_1L|attn_bias_for_masking)$/;

export interface ModelsCopy {
  readonly root: string;
  /** Bundles whose stale derived buffers were dropped. */
  readonly repaired: string[];
}

export async function copyModelsRoot(): Promise<ModelsCopy> {
  const entries = await readdir(MODELS_DIR, { withFileTypes: true });
  const ids = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  const src = await MemoryBundleSource.copyOf(MODELS_DIR, ids);
  const repaired: string[] = [];
  for (const id of ids) {
    const manifest = src.json(`${id}/manifest.json`) as { family: string; tensors: { name: string }[] };
    if (manifest.family !== 'var' || !manifest.tensors.some((t) => DERIVED_VAR_BUFFERS.test(t.name))) continue;
    rewriteWeights(src, id, (tensors) => tensors.filter((t) => !DERIVED_VAR_BUFFERS.test(t.name)));
    repaired.push(id);
  }
  const root = await mkdtemp(join(tmpdir(), 'engine-models-'));
  await writeToDir(src, root);
  if (repaired.length > 0) console.warn(`engine tests: dropped stale derived buffers (zero_k_bias, ...) from ${repaired.join(', ')}; re-export them with training/export_bundle.py`);
  return { root, repaired };
}
