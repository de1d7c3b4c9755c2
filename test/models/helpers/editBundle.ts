/**
 * Corruptions for the validator tests, applied to an in-memory copy of any bundle (fixture or shipped). Edits
 * that change a file's content either keep the manifest's size/sha256 (to test that the checksum catches
 * them) or re-stamp them (to test the check behind it, e.g. NaN detection, which a stale checksum would mask).
 */
import type { Dtype } from '../../../src/models/bundle/index.ts';
import { readRawTensors, writeSafetensors, type RawTensor, type WrittenIndexEntry } from './safetensorsWriter.ts';
import { sha256Sync, type MemoryBundleSource } from './sources.ts';

export type ManifestJson = {
  formatVersion: unknown;
  config: Record<string, unknown>;
  params: { total: number; linear: number };
  requires: Record<string, string>;
  onnx?: { inputs: { name: string; shape: unknown[] }[]; outputs: { name: string; shape: unknown[] }[] };
  files: { path: string; role: string; bytes: number; sha256: string }[];
  tensors: { name: string; dtype: Dtype; shape: number[]; byteOffset: number; byteLength: number; kind: string }[];
  [k: string]: unknown;
};

export function manifestOf(src: MemoryBundleSource, id: string): ManifestJson {
  return src.json(`${id}/manifest.json`) as ManifestJson;
}

export function weightsPath(src: MemoryBundleSource, id: string): string {
  const f = manifestOf(src, id).files.find((e) => e.role === 'weights');
  if (!f) throw new Error(`test setup: bundle ${id} has no weights file`);
  return `${id}/${f.path}`;
}

/** Replaces a file and re-stamps its size and sha256 in the manifest (a consistent but bad export). */
export function replaceFileStamped(src: MemoryBundleSource, id: string, path: string, bytes: Uint8Array): void {
  src.files.set(path, bytes);
  const m = manifestOf(src, id);
  const entry = m.files.find((f) => `${id}/${f.path}` === path)!;
  entry.bytes = bytes.byteLength;
  entry.sha256 = sha256Sync(bytes);
  src.setJson(`${id}/manifest.json`, m);
}

/** Rewrites any safetensors file of a bundle tensor by tensor and re-stamps it; returns the new index. */
export function rewriteSafetensorsFile(
  src: MemoryBundleSource,
  id: string,
  path: string,
  edit: (tensors: RawTensor[]) => RawTensor[],
): WrittenIndexEntry[] {
  const { tensors, metadata } = readRawTensors(src.files.get(path)!);
  const { bytes, index } = writeSafetensors(edit(tensors), metadata);
  replaceFileStamped(src, id, path, bytes);
  return index;
}

/** Rewrites weights.safetensors and also updates the manifest's tensor index to match it. */
export function rewriteWeights(src: MemoryBundleSource, id: string, edit: (tensors: RawTensor[]) => RawTensor[]): void {
  const index = rewriteSafetensorsFile(src, id, weightsPath(src, id), edit);
  const m = manifestOf(src, id);
  const kinds = new Map(m.tensors.map((t) => [t.name, t.kind]));
  m.tensors = index.map((e) => ({ ...e, kind: kinds.get(e.name) ?? 'param' }));
  src.setJson(`${id}/manifest.json`, m);
}

/** Writes a NaN into element `at` of a floating tensor (in its own dtype). */
export function withNaN(t: RawTensor, at: number): RawTensor {
  const data = t.data.slice();
  const view = new DataView(data.buffer);
  if (t.dtype === 'F16') view.setUint16(2 * at, 0x7e00, true);
  else if (t.dtype === 'F32') view.setFloat32(4 * at, Number.NaN, true);
  else view.setFloat64(8 * at, Number.NaN, true);
  return { ...t, data };
}
