/**
 * A private, writable copy of the shipped models root for the engine tests (corruption tests flip bytes in it).
 */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBundleSource, writeToDir } from '../../models/helpers/sources';
import { MODELS_DIR } from '../models/bundles';

export async function copyModelsRoot(): Promise<{ readonly root: string }> {
  const entries = await readdir(MODELS_DIR, { withFileTypes: true });
  const src = await MemoryBundleSource.copyOf(
    MODELS_DIR,
    entries.filter((e) => e.isDirectory()).map((e) => e.name),
  );
  const root = await mkdtemp(join(tmpdir(), 'engine-models-'));
  await writeToDir(src, root);
  return { root };
}
