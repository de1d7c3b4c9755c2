/**
 * safetensors reader (docs/bundle-format.md): u64 little-endian header length N, N bytes of UTF-8 JSON, then
 * the data section. Parsing only reads the header and checks every tensor's byte range against the file, so
 * it is cheap for multi-MB files; typed views are created on demand (zero-copy when aligned).
 */
import { f16BitsToF32 } from '../../quant/f16.ts';
import { BundleError, REEXPORT_FIX } from './errors.ts';
import type { Dtype } from './types.ts';

export const DTYPE_BYTES: Readonly<Record<Dtype, number>> = { F16: 2, F32: 4, F64: 8, I32: 4 };

export interface SafetensorsTensor {
  readonly name: string;
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  /** Absolute offset in the file. */
  readonly byteOffset: number;
  readonly byteLength: number;
}

export interface SafetensorsFile {
  /** Used in error messages, e.g. `mnist-var-d3/weights.safetensors`. */
  readonly fileName: string;
  readonly bytes: Uint8Array;
  readonly headerLength: number;
  readonly dataStart: number;
  /** In header order. */
  readonly tensors: ReadonlyMap<string, SafetensorsTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function isDtype(x: unknown): x is Dtype {
  return typeof x === 'string' && Object.hasOwn(DTYPE_BYTES, x);
}

const isNonNegInt = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

export function parseSafetensors(bytes: Uint8Array, fileName = 'safetensors file'): SafetensorsFile {
  const file = fileName;
  if (bytes.byteLength < 8) {
    throw new BundleError('truncated', `the file has ${bytes.byteLength} bytes, fewer than the 8-byte header length.`, {
      file,
      fix: REEXPORT_FIX,
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(bytes.byteLength - 8)) {
    throw new BundleError('truncated', `the header claims ${n64} bytes but only ${bytes.byteLength - 8} follow.`, {
      file,
      fix: REEXPORT_FIX,
    });
  }
  const headerLength = Number(n64);
  const dataStart = 8 + headerLength;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (e) {
    throw new BundleError('bad-json', `the safetensors header is not valid UTF-8 JSON (${(e as Error).message}).`, {
      file,
      fix: REEXPORT_FIX,
    });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new BundleError('bad-json', 'the safetensors header is not a JSON object.', { file, fix: REEXPORT_FIX });
  }
  const dataLength = bytes.byteLength - dataStart;
  const tensors = new Map<string, SafetensorsTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(entry, file);
      continue;
    }
    tensors.set(name, parseEntry(name, entry, dataStart, dataLength, file));
  }
  checkLayout(tensors, dataStart, dataLength, file);
  return { fileName, bytes, headerLength, dataStart, tensors, metadata };
}

const describeJson = (v: unknown): string => {
  const s =
    v === undefined
      ? 'nothing'
      : `${Array.isArray(v) ? 'an array' : typeof v === 'object' && v !== null ? 'an object' : `a ${v === null ? 'null' : typeof v}`} ${JSON.stringify(v)}`;
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
};

/** `__metadata__` is a string-to-string map (the format's rule); anything else would reach the parity checks as garbage. */
function parseMetadata(entry: unknown, file: string): Record<string, string> {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new BundleError(
      'bad-safetensors',
      `the header's '__metadata__' should be an object of strings, found ${describeJson(entry)}.`,
      { file, fix: REEXPORT_FIX },
    );
  }
  for (const [k, v] of Object.entries(entry)) {
    if (typeof v !== 'string') {
      throw new BundleError('bad-safetensors', `'__metadata__.${k}' should be a string, found ${describeJson(v)}.`, {
        file,
        fix: REEXPORT_FIX,
      });
    }
  }
  return entry as Record<string, string>;
}

function parseEntry(
  name: string,
  entry: unknown,
  dataStart: number,
  dataLength: number,
  file: string,
): SafetensorsTensor {
  const ctx = { file, tensor: name, fix: REEXPORT_FIX };
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new BundleError(
      'bad-safetensors',
      `its header entry should be an object {"dtype", "shape", "data_offsets"}, found ${describeJson(entry)}.`,
      ctx,
    );
  }
  const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (!isDtype(e.dtype)) {
    throw new BundleError(
      'dtype-mismatch',
      `header field 'dtype' should be one of F16, F32, F64, I32, found ${describeJson(e.dtype)}.`,
      ctx,
    );
  }
  if (!Array.isArray(e.shape) || !e.shape.every(isNonNegInt)) {
    throw new BundleError(
      'wrong-shape',
      `shape ${JSON.stringify(e.shape)} is not a list of non-negative integers.`,
      ctx,
    );
  }
  const offs = e.data_offsets;
  if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isNonNegInt) || offs[1] < offs[0]) {
    throw new BundleError(
      'bad-json',
      `data_offsets ${JSON.stringify(offs)} is not [begin, end] with begin <= end.`,
      ctx,
    );
  }
  const [begin, end] = offs as [number, number];
  const shape = e.shape as number[];
  const expected = elementCount(shape) * DTYPE_BYTES[e.dtype];
  if (end - begin !== expected) {
    throw new BundleError(
      'wrong-shape',
      `shape [${shape}] of ${e.dtype} needs ${expected} bytes but data_offsets span ${end - begin}.`,
      ctx,
    );
  }
  if (end > dataLength) {
    throw new BundleError(
      'truncated',
      `its data ends at byte ${dataStart + end} but the file has only ${dataStart + dataLength} bytes.`,
      ctx,
    );
  }
  return { name, dtype: e.dtype, shape, byteOffset: dataStart + begin, byteLength: end - begin };
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/**
 * Every byte of the data section belongs to at most one tensor, as the safetensors reference reader requires:
 * no overlaps (a tensor would silently read another's bytes), and no unused bytes except the padding our
 * format puts before a tensor (and at the end) to start it at a multiple of 8 (docs/bundle-format.md). Files
 * from the reference writer have no padding at all; both pass.
 */
function checkLayout(
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  dataStart: number,
  dataLength: number,
  file: string,
): void {
  const sorted = [...tensors.values()].sort((a, b) => a.byteOffset - b.byteOffset || a.byteLength - b.byteLength);
  const rel = (t: SafetensorsTensor): string =>
    `[${t.byteOffset - dataStart}, ${t.byteOffset - dataStart + t.byteLength}]`;
  let end = 0;
  let prev: SafetensorsTensor | undefined;
  for (const t of sorted) {
    const begin = t.byteOffset - dataStart;
    const ctx = { file, tensor: t.name, fix: REEXPORT_FIX };
    if (prev && begin < end) {
      throw new BundleError(
        'bad-safetensors',
        `its data_offsets ${rel(t)} overlap tensor '${prev.name}' ${rel(prev)}: each byte of the data section must belong to one tensor (the safetensors reference reader rejects this file too).`,
        ctx,
      );
    }
    if (begin !== end && begin !== align8(end)) {
      const after = prev ? `tensor '${prev.name}' ends at ${end}` : 'the data section starts at 0';
      throw new BundleError(
        'bad-safetensors',
        `its data begins at ${begin} but ${after}: ${begin - end} unused bytes, where only padding to the next multiple of 8 is allowed.`,
        ctx,
      );
    }
    end = begin + t.byteLength;
    prev = t;
  }
  if (dataLength !== end && dataLength !== align8(end)) {
    throw new BundleError(
      'bad-safetensors',
      `the data section has ${dataLength} bytes but its tensors end at ${end}: ${dataLength - end} bytes belong to no tensor (only padding to a multiple of 8 is allowed).`,
      { file, fix: REEXPORT_FIX },
    );
  }
}

function getTensor(file: SafetensorsFile, name: string): SafetensorsTensor {
  const t = file.tensors.get(name);
  if (!t) {
    throw new BundleError('missing-tensor', 'the tensor is not in the file.', {
      file: file.fileName,
      tensor: name,
      fix: REEXPORT_FIX,
    });
  }
  return t;
}

function requireDtype(file: SafetensorsFile, t: SafetensorsTensor, dtype: Dtype): void {
  if (t.dtype !== dtype) {
    throw new BundleError('dtype-mismatch', `expected ${dtype}, found ${t.dtype}.`, {
      file: file.fileName,
      tensor: t.name,
      fix: REEXPORT_FIX,
    });
  }
}

type TypedCtor<T> = { new (buffer: ArrayBuffer, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number };

/** Zero-copy when the absolute address is aligned (always for files written per the format), else a copy. */
function typedView<T>(file: SafetensorsFile, t: SafetensorsTensor, Ctor: TypedCtor<T>): T {
  const at = file.bytes.byteOffset + t.byteOffset;
  const length = t.byteLength / Ctor.BYTES_PER_ELEMENT;
  if (at % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(file.bytes.buffer as ArrayBuffer, at, length);
  const copy = file.bytes.slice(t.byteOffset, t.byteOffset + t.byteLength);
  return new Ctor(copy.buffer, 0, length);
}

/** Raw binary16 bit patterns (what the GPU kernels upload); see `f16ArrayToF32` for values. */
export function tensorF16Bits(file: SafetensorsFile, name: string): Uint16Array {
  const t = getTensor(file, name);
  requireDtype(file, t, 'F16');
  return typedView(file, t, Uint16Array);
}

export function tensorF32(file: SafetensorsFile, name: string): Float32Array {
  const t = getTensor(file, name);
  requireDtype(file, t, 'F32');
  return typedView(file, t, Float32Array);
}

export function tensorF64(file: SafetensorsFile, name: string): Float64Array {
  const t = getTensor(file, name);
  requireDtype(file, t, 'F64');
  return typedView(file, t, Float64Array);
}

export function tensorI32(file: SafetensorsFile, name: string): Int32Array {
  const t = getTensor(file, name);
  requireDtype(file, t, 'I32');
  return typedView(file, t, Int32Array);
}

/** Exact upcast of binary16 bits (every f16 value is representable in f32). */
export function f16ArrayToF32(bits: Uint16Array): Float32Array {
  // 65,536-entry table: one lookup per element instead of decoding each one, for multi-MB weights.
  const table = f16Table();
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]];
  return out;
}

let f16TableCache: Float32Array | undefined;
function f16Table(): Float32Array {
  if (!f16TableCache) {
    f16TableCache = new Float32Array(65536);
    for (let b = 0; b < 65536; b++) f16TableCache[b] = f16BitsToF32(b);
  }
  return f16TableCache;
}

/** Any floating tensor as f32 values (F16 upcast exactly, F64 rounded to f32). */
export function tensorAsF32(file: SafetensorsFile, name: string): Float32Array {
  const t = getTensor(file, name);
  if (t.dtype === 'F16') return f16ArrayToF32(tensorF16Bits(file, name));
  if (t.dtype === 'F32') return tensorF32(file, name);
  if (t.dtype === 'F64') return Float32Array.from(tensorF64(file, name));
  throw new BundleError('dtype-mismatch', `expected a floating dtype (F16, F32, F64), found ${t.dtype}.`, {
    file: file.fileName,
    tensor: name,
    fix: REEXPORT_FIX,
  });
}
