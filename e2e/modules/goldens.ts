/**
 * Node side of the module specs: the shipped bundles' goldens read straight from public/models (not through the
 * browser), so what a spec compares the browser's output with never went through the code under test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseSafetensors,
  tensorF32,
  tensorF64,
  tensorI32,
  type BundleIndex,
  type Family,
  type SafetensorsFile,
} from '../../src/models/bundle/index.ts';

const MODELS = join(import.meta.dirname, '../../public/models');

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(join(MODELS, path), 'utf8')) as T;
}

/** The first bundle of `family` in index.json (e.g. the DiT whose golden latent feeds the VAE test). */
export function firstBundleOf(family: Family): string {
  const entry = readJson<BundleIndex>('index.json').models.find((m) => m.family === family);
  if (!entry)
    throw new Error(
      `public/models/index.json lists no ${family} bundle: export one (python3 training/export_bundle.py).`,
    );
  return entry.id;
}

export interface ManifestFields {
  readonly goldens?: { path: string; class?: number };
  readonly files: { path: string; role: string }[];
  readonly requires: Record<string, string>;
}

export function manifestOf(id: string): ManifestFields {
  return readJson(`${id}/manifest.json`);
}

function file(id: string, path: string): SafetensorsFile {
  return parseSafetensors(new Uint8Array(readFileSync(join(MODELS, id, path))), `${id}/${path}`);
}

function goldensOf(id: string): SafetensorsFile {
  const g = manifestOf(id).goldens;
  if (!g) throw new Error(`${id} has no goldens`);
  return file(id, g.path);
}

export const goldenF32 = (id: string, name: string): Float32Array => tensorF32(goldensOf(id), name);
export const goldenI32 = (id: string, name: string): Int32Array => tensorI32(goldensOf(id), name);

/** The classifier bundle's test-set feature statistics (F64). */
export function fdStats(id: string): { mu: Float64Array; sigma: Float64Array } {
  const path = manifestOf(id).files.find((f) => f.role === 'fd-stats')!.path;
  const st = file(id, path);
  return { mu: tensorF64(st, 'mu'), sigma: tensorF64(st, 'sigma') };
}
