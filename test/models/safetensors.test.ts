/** The safetensors reader: values through every typed view, alignment handling, and each malformed header. */
import { describe, expect, it } from 'vitest';
import {
  BundleError,
  f16ArrayToF32,
  parseSafetensors,
  tensorAsF32,
  tensorF16Bits,
  tensorF32,
  tensorF64,
  tensorI32,
} from '../../src/models/bundle/index.ts';
import { f32ToF16Bits } from '../../src/quant/f16.ts';
import { f32Bytes, writeSafetensors } from './helpers/safetensorsWriter.ts';

const f16Values = [0, -0, 1, -2.5, 65504, 2 ** -24, 0.333251953125, -1000];
function sample(): Uint8Array {
  return writeSafetensors(
    [
      {
        name: 'h',
        dtype: 'F16',
        shape: [2, 4],
        data: new Uint8Array(Uint16Array.from(f16Values, f32ToF16Bits).buffer),
      },
      { name: 'f', dtype: 'F32', shape: [3], data: f32Bytes([1.5, -3.25, 1e-7]) },
      { name: 'd', dtype: 'F64', shape: [1, 2], data: new Uint8Array(Float64Array.from([Math.PI, -1e300]).buffer) },
      { name: 'i', dtype: 'I32', shape: [3], data: new Uint8Array(Int32Array.from([7, -1, 2 ** 31 - 1]).buffer) },
    ],
    { note: 'test' },
  ).bytes;
}

function expectBundleError(fn: () => unknown, code: string, ...mentions: string[]): BundleError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BundleError);
    const err = e as BundleError;
    expect(err.code, err.message).toBe(code);
    for (const m of mentions) expect(err.message).toContain(m);
    expect(err.fix.length).toBeGreaterThan(10);
    return err;
  }
  throw new Error(`expected a BundleError '${code}', nothing was thrown`);
}

describe('parseSafetensors', () => {
  it('reads names, dtypes, shapes, absolute offsets and metadata', () => {
    const bytes = sample();
    const st = parseSafetensors(bytes, 'x/weights.safetensors');
    expect([...st.tensors.keys()]).toEqual(['h', 'f', 'd', 'i']);
    expect(st.metadata).toEqual({ note: 'test' });
    const h = st.tensors.get('h')!;
    expect(h).toMatchObject({ dtype: 'F16', shape: [2, 4], byteLength: 16 });
    expect(h.byteOffset).toBe(st.dataStart);
    expect(st.dataStart % 8).toBe(0);
    expect(st.tensors.get('f')!.byteOffset).toBe(st.dataStart + 16);
  });

  it('gives exact values through every typed view', () => {
    const st = parseSafetensors(sample());
    expect(Array.from(f16ArrayToF32(tensorF16Bits(st, 'h')))).toEqual(f16Values);
    expect(Array.from(tensorAsF32(st, 'h'))).toEqual(f16Values);
    expect(Array.from(tensorF32(st, 'f'))).toEqual([1.5, -3.25, Math.fround(1e-7)]);
    expect(Array.from(tensorF64(st, 'd'))).toEqual([Math.PI, -1e300]);
    expect(Array.from(tensorI32(st, 'i'))).toEqual([7, -1, 2 ** 31 - 1]);
    expect(Object.is(tensorAsF32(st, 'h')[1], -0)).toBe(true);
  });

  it('copies instead of failing when the file sits at an unaligned address', () => {
    const bytes = sample();
    const shifted = new Uint8Array(bytes.byteLength + 3);
    shifted.set(bytes, 3);
    const st = parseSafetensors(shifted.subarray(3));
    expect(Array.from(tensorF32(st, 'f'))).toEqual([1.5, -3.25, Math.fround(1e-7)]);
    expect(Array.from(tensorF64(st, 'd'))).toEqual([Math.PI, -1e300]);
  });

  it('rejects a view of the wrong dtype or a missing tensor', () => {
    const st = parseSafetensors(sample(), 'x/w.safetensors');
    const err = expectBundleError(
      () => tensorF32(st, 'h'),
      'dtype-mismatch',
      'x/w.safetensors',
      "'h'",
      'expected F32, found F16',
    );
    expect(err.tensor).toBe('h');
    expectBundleError(() => tensorI32(st, 'nope'), 'missing-tensor', "'nope'");
    expectBundleError(() => tensorAsF32(st, 'i'), 'dtype-mismatch', 'found I32');
  });

  it('reports a file cut inside the data as truncated, naming the tensor', () => {
    const bytes = sample();
    const err = expectBundleError(
      () => parseSafetensors(bytes.subarray(0, bytes.byteLength - 9), 'x/w.safetensors'),
      'truncated',
      'x/w.safetensors',
    );
    expect(err.tensor).toBe('i');
  });

  it('reports a header longer than the file, and a file shorter than 8 bytes, as truncated', () => {
    const bytes = sample();
    expectBundleError(() => parseSafetensors(bytes.subarray(0, 40)), 'truncated', 'header claims');
    expectBundleError(() => parseSafetensors(bytes.subarray(0, 5)), 'truncated', '5 bytes');
  });

  const withHeader = (header: string): Uint8Array => {
    const h = new TextEncoder().encode(header);
    const out = new Uint8Array(8 + h.byteLength + 16);
    new DataView(out.buffer).setBigUint64(0, BigInt(h.byteLength), true);
    out.set(h, 8);
    return out;
  };

  it('rejects malformed headers with the matching code', () => {
    expectBundleError(() => parseSafetensors(withHeader('{"a": {')), 'bad-json');
    expectBundleError(() => parseSafetensors(withHeader('[1, 2]')), 'bad-json', 'not a JSON object');
    expectBundleError(
      () => parseSafetensors(withHeader('{"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}')),
      'dtype-mismatch',
      'BF16',
    );
    expectBundleError(
      () => parseSafetensors(withHeader('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}')),
      'wrong-shape',
      'needs 12 bytes',
    );
    expectBundleError(
      () => parseSafetensors(withHeader('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,8]}}')),
      'wrong-shape',
    );
    expectBundleError(
      () => parseSafetensors(withHeader('{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}')),
      'bad-json',
      'data_offsets',
    );
  });
});
