/**
 * Checks of weights.safetensors against the manifest's tensor index and against what the family's forward
 * needs (expectedTensors.ts): names, dtypes, shapes, offsets, kinds, parameter counts, and finiteness.
 */
import { BundleError, REEXPORT_FIX } from './errors.ts';
import type { ExpectedWeights } from './expectedTensors.ts';
import { elementCount, type SafetensorsFile, type SafetensorsTensor } from './safetensors.ts';
import type { Manifest, TensorEntry } from './types.ts';

const fmt = (shape: readonly number[]): string => `[${shape.join(', ')}]`;
const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/** The manifest's index must describe the file exactly: the engine reads tensors by the manifest's offsets. */
export function checkIndexMatchesHeader(m: Manifest, st: SafetensorsFile, manifestFile: string): void {
  const file = st.fileName;
  for (const e of m.tensors) {
    const h = st.tensors.get(e.name);
    const ctx = { file, tensor: e.name, fix: REEXPORT_FIX };
    if (!h) throw new BundleError('missing-tensor', `listed in ${manifestFile} but not in the file.`, ctx);
    if (h.dtype !== e.dtype)
      throw new BundleError('dtype-mismatch', `the manifest says ${e.dtype}, the file holds ${h.dtype}.`, ctx);
    if (!sameShape(h.shape, e.shape)) {
      throw new BundleError(
        'wrong-shape',
        `the manifest says shape ${fmt(e.shape)}, the file holds ${fmt(h.shape)}.`,
        ctx,
      );
    }
    if (h.byteOffset !== e.byteOffset || h.byteLength !== e.byteLength) {
      throw new BundleError(
        'bad-manifest',
        `the manifest says bytes ${e.byteOffset}+${e.byteLength}, the file header says ${h.byteOffset}+${h.byteLength}.`,
        ctx,
      );
    }
  }
  const listed = new Set(m.tensors.map((t) => t.name));
  for (const name of st.tensors.keys()) {
    if (!listed.has(name)) {
      throw new BundleError('bad-manifest', `in the file but not listed in ${manifestFile}'s 'tensors'.`, {
        file,
        tensor: name,
        fix: REEXPORT_FIX,
      });
    }
  }
}

/** Every tensor the forward needs, with the config-implied shape, the family dtype and kind; nothing else. */
export function checkExpectedTensors(m: Manifest, expected: ExpectedWeights, file: string): void {
  const byName = new Map<string, TensorEntry>(m.tensors.map((t) => [t.name, t]));
  for (const want of expected.tensors) {
    const got = byName.get(want.name);
    const ctx = { file, tensor: want.name, fix: REEXPORT_FIX };
    if (!got) {
      throw new BundleError(
        'missing-tensor',
        `the ${m.family} forward needs it (shape ${fmt(want.shape)}) but the bundle has no such tensor.`,
        ctx,
      );
    }
    if (!sameShape(got.shape, want.shape)) {
      throw new BundleError('wrong-shape', `expected ${fmt(want.shape)} from the config, found ${fmt(got.shape)}.`, {
        ...ctx,
        fix: 'The weights do not fit the manifest config (depth, width, vocabSize, ...): fix the config or re-export.',
      });
    }
    if (got.dtype !== expected.dtype) {
      throw new BundleError(
        'dtype-mismatch',
        `${m.family} weights must be ${expected.dtype}, found ${got.dtype}.`,
        ctx,
      );
    }
    if (got.kind !== want.kind)
      throw new BundleError('bad-manifest', `kind should be '${want.kind}', found '${got.kind}'.`, ctx);
  }
  const wanted = new Set(expected.tensors.map((t) => t.name));
  for (const t of m.tensors) {
    if (!wanted.has(t.name)) {
      throw new BundleError('bad-manifest', `not part of the ${m.family} weight list of docs/bundle-format.md.`, {
        file,
        tensor: t.name,
        fix: 'Drop it from the export (official buffers such as lvl_1L are derived from the config, not shipped).',
      });
    }
  }
}

/** params.total / params.linear as the format defines them, recomputed from the shipped tensors. */
export function checkParamCounts(m: Manifest, expected: ExpectedWeights, manifestFile: string): void {
  let total = 0;
  let linear = 0;
  for (const t of m.tensors) {
    const n = elementCount(t.shape);
    if (expected.countsTotal(t.name)) total += n;
    if (t.kind === 'linear-weight' || t.kind === 'linear-bias') linear += n;
  }
  if (m.params.total !== total || m.params.linear !== linear) {
    throw new BundleError(
      'bad-manifest',
      `params says total ${m.params.total}, linear ${m.params.linear}; the tensors give total ${total}, linear ${linear}.`,
      { file: manifestFile, fix: REEXPORT_FIX },
    );
  }
}

/**
 * First NaN or infinity in a floating tensor, by bit pattern (exponent all ones), which is much faster than
 * decoding each value and the same test for f16, f32 and f64. Returns the element index, or -1.
 */
export function firstNonFinite(st: SafetensorsFile, t: SafetensorsTensor): number {
  let buf = st.bytes.buffer as ArrayBuffer;
  let base = st.bytes.byteOffset + t.byteOffset;
  if (base % 4 !== 0) {
    // Typed arrays need aligned starts; files written per the format are aligned, others get a copy.
    buf = st.bytes.slice(t.byteOffset, t.byteOffset + t.byteLength).buffer;
    base = 0;
  }
  if (t.dtype === 'F16') {
    const a = new Uint16Array(buf, base, t.byteLength / 2);
    for (let i = 0; i < a.length; i++) if ((a[i] & 0x7c00) === 0x7c00) return i;
  } else if (t.dtype === 'F32') {
    const a = new Uint32Array(buf, base, t.byteLength / 4);
    for (let i = 0; i < a.length; i++) if ((a[i] & 0x7f800000) === 0x7f800000) return i;
  } else if (t.dtype === 'F64') {
    // High word of each little-endian f64 is the odd u32.
    const a = new Uint32Array(buf, base, t.byteLength / 4);
    for (let i = 1; i < a.length; i += 2) if ((a[i] & 0x7ff00000) === 0x7ff00000) return (i - 1) / 2;
  }
  return -1;
}

export function checkFinite(st: SafetensorsFile, names?: Iterable<string>): void {
  for (const name of names ?? st.tensors.keys()) {
    const t = st.tensors.get(name);
    if (!t) continue;
    const i = firstNonFinite(st, t);
    if (i >= 0) {
      throw new BundleError('nan-weights', `element ${i} (of shape ${fmt(t.shape)}) is NaN or infinite.`, {
        file: st.fileName,
        tensor: name,
        fix: 'The model diverged or the file is corrupt: retrain or re-export from a healthy checkpoint.',
      });
    }
  }
}
