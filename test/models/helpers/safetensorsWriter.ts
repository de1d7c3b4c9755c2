/**
 * Test-side safetensors writer (docs/bundle-format.md layout: header padded with spaces to 8 bytes, each tensor
 * 8-byte aligned), written independently of the reader under test, plus a rewrite helper that edits an
 * existing file tensor by tensor (drop one, change a dtype, poke a NaN) while keeping everything else.
 */
import type { Dtype } from '../../../src/models/bundle/index.ts';

export interface RawTensor {
  name: string;
  dtype: Dtype;
  shape: number[];
  /** Little-endian bytes, exactly numel * dtype size. */
  data: Uint8Array;
}

export interface WrittenIndexEntry {
  name: string;
  dtype: Dtype;
  shape: number[];
  byteOffset: number;
  byteLength: number;
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

export function writeSafetensors(
  tensors: RawTensor[],
  metadata?: Record<string, string>,
): { bytes: Uint8Array; index: WrittenIndexEntry[] } {
  const header: Record<string, unknown> = {};
  let offset = 0;
  const starts: number[] = [];
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    starts.push(offset);
    offset = align8(offset + t.data.byteLength);
  }
  if (metadata) header.__metadata__ = metadata;
  let json = JSON.stringify(header);
  json += ' '.repeat(align8(json.length) - json.length);
  const headerBytes = new TextEncoder().encode(json);
  const dataStart = 8 + headerBytes.byteLength;
  const bytes = new Uint8Array(dataStart + offset);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  bytes.set(headerBytes, 8);
  tensors.forEach((t, i) => bytes.set(t.data, dataStart + starts[i]));
  const index = tensors.map((t, i) => ({
    name: t.name,
    dtype: t.dtype,
    shape: t.shape,
    byteOffset: dataStart + starts[i],
    byteLength: t.data.byteLength,
  }));
  return { bytes, index };
}

/** Independent minimal reader for the rewrite helper (raw bytes per tensor, header order). */
export function readRawTensors(bytes: Uint8Array): { tensors: RawTensor[]; metadata?: Record<string, string> } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<
    string,
    { dtype: Dtype; shape: number[]; data_offsets: [number, number] }
  >;
  const { __metadata__: metadata, ...entries } = header as Record<string, unknown>;
  const tensors = Object.entries(
    entries as Record<string, { dtype: Dtype; shape: number[]; data_offsets: [number, number] }>,
  ).map(([name, h]) => ({
    name,
    dtype: h.dtype,
    shape: h.shape,
    data: bytes.slice(8 + n + h.data_offsets[0], 8 + n + h.data_offsets[1]),
  }));
  return { tensors, metadata: metadata as Record<string, string> | undefined };
}

export function f32Bytes(values: Float32Array | number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}
