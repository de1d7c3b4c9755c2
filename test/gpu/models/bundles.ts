/**
 * Bundles for the model tests, read from disk and validated with src/models/bundle: public/models (the shipped
 * ones), or the folder named by MODEL_BUNDLES_DIR (e.g. temporary bundles written by training/export_bundle.py
 * into /tmp). Only transformer bundles (var, dit) are listed, smallest first; the smallest of each family runs
 * by default, all of them with MODEL_TESTS=all, the named ones with MODEL_IDS=a,b.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  missingFileError,
  validateBundle,
  type BundleSource,
  type ValidatedBundle,
} from '../../../src/models/bundle/index.ts';
import type { DitManifest, VarManifest, VqvaeManifest } from '../../../src/models/bundle/types.ts';
import { TensorReader } from './tensors';

export const MODELS_DIR = resolve(process.env.MODEL_BUNDLES_DIR ?? join(__dirname, '../../../public/models'));

class DiskBundleSource implements BundleSource {
  constructor(readonly label: string) {}
  async readText(path: string): Promise<string> {
    return new TextDecoder().decode(await this.readBytes(path));
  }
  async readBytes(path: string): Promise<Uint8Array> {
    const full = join(this.label, path);
    if (!existsSync(full)) throw missingFileError(path, this.label, 'no such file');
    return new Uint8Array(readFileSync(full));
  }
}

export const diskSource: BundleSource = new DiskBundleSource(MODELS_DIR);

export interface TestVarBundle {
  readonly bundle: ValidatedBundle & { manifest: VarManifest };
  readonly tokenizer: ValidatedBundle & { manifest: VqvaeManifest };
  readonly weights: TensorReader;
  readonly goldens: TensorReader;
}

export interface TestDitBundle {
  readonly bundle: ValidatedBundle & { manifest: DitManifest };
  readonly weights: TensorReader;
  readonly goldens: TensorReader;
}

function indexIds(family: 'var' | 'dit'): string[] {
  const indexPath = join(MODELS_DIR, 'index.json');
  if (!existsSync(indexPath)) return [];
  const index = JSON.parse(readFileSync(indexPath, 'utf8')) as {
    models: { id: string; family: string; params: { linear: number } }[];
  };
  const ids = index.models
    .filter((m) => m.family === family)
    .sort((a, b) => a.params.linear - b.params.linear)
    .map((m) => m.id);
  const only = process.env.MODEL_IDS?.split(',').filter(Boolean);
  if (only) return ids.filter((id) => only.includes(id));
  return process.env.MODEL_TESTS === 'all' ? ids : ids.slice(0, 1);
}

/** Ids of the transformer bundles the tests run on (known synchronously, so tests can be declared per bundle). */
export function bundleIds(family: 'var' | 'dit'): string[] {
  return indexIds(family);
}

export async function loadVarBundle(id: string): Promise<TestVarBundle> {
  const bundle = (await validateBundle(diskSource, id)) as ValidatedBundle & { manifest: VarManifest };
  const tokenizer = (await validateBundle(diskSource, bundle.manifest.requires.tokenizer)) as ValidatedBundle & {
    manifest: VqvaeManifest;
  };
  return { bundle, tokenizer, weights: new TensorReader(bundle.weights!), goldens: new TensorReader(bundle.goldens!) };
}

export async function loadDitBundle(id: string): Promise<TestDitBundle> {
  const bundle = (await validateBundle(diskSource, id)) as ValidatedBundle & { manifest: DitManifest };
  return { bundle, weights: new TensorReader(bundle.weights!), goldens: new TensorReader(bundle.goldens!) };
}
