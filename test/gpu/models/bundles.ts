/**
 * Bundles for the model tests, read from disk: public/models (the shipped ones), or the folder named by
 * MODEL_BUNDLES_DIR (e.g. temporary bundles written by training/export_bundle.py into /tmp). Only transformer
 * bundles (var, dit) with goldens are listed; the smallest of each family runs by default, all of them with
 * MODEL_TESTS=all.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SafetensorsFile } from '../../../src/models/runtime/safetensors';

export const MODELS_DIR = resolve(process.env.MODEL_BUNDLES_DIR ?? join(__dirname, '../../../public/models'));

export interface TestBundle {
  readonly id: string;
  readonly family: 'var' | 'dit' | 'vqvae';
  readonly manifest: Record<string, any>;
  readonly linearParams: number;
  weights(): SafetensorsFile;
  goldens(): SafetensorsFile;
}

function load(id: string): TestBundle {
  const folder = join(MODELS_DIR, id);
  const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'));
  const file = (name: string) => {
    const bytes = readFileSync(join(folder, name));
    return new SafetensorsFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), `${id}/${name}`);
  };
  return { id, family: manifest.family, manifest, linearParams: manifest.params?.linear ?? 0, weights: () => file('weights.safetensors'), goldens: () => file('goldens.safetensors') };
}

export function listBundles(family: 'var' | 'dit'): TestBundle[] {
  const indexPath = join(MODELS_DIR, 'index.json');
  if (!existsSync(indexPath)) return [];
  const index = JSON.parse(readFileSync(indexPath, 'utf8')) as { models: { id: string; family: string }[] };
  const all = index.models
    .filter((m) => m.family === family)
    .map((m) => load(m.id))
    .filter((b) => b.manifest.goldens)
    .sort((a, b) => a.linearParams - b.linearParams);
  return process.env.MODEL_TESTS === 'all' ? all : all.slice(0, 1);
}

export function loadBundle(id: string): TestBundle {
  return load(id);
}
