/**
 * VAR's q8 KV cache (kvFormat 'q8': int8 codes four per u32 with pack4x8snorm, then one f32 absmax per head
 * row; read with unpack4x8snorm x scale) against the plain TypeScript reference quantizeKvRowsQ8
 * (src/ops/kvCacheQ8.ts) on varQkvPrepareRef's K and V. Fresh random inputs each run (KERNEL_TEST_SEED replays one).
 *
 * Tolerances:
 *  - codes: equal to the reference's, except one code step where the reference value lies within 1e-3 of a
 *    step of a rounding midpoint (127 x / scale = n + 0.5: the GPU's f32 quotient may fall on the other side);
 *    row scales: relative 1e-6 (f32 max and division vs f64).
 *  - attention output: atol = rtol = 2e-4 against attentionRef over the K/V dequantised from the codes the GPU
 *    stored (so this checks the read path alone, like the f16 test); and atol = rtol = 5e-2 against attention
 *    over the unquantised K/V (the q8 rounding itself: half a code step, scale / 254, per element).
 */
import { describe, expect, it } from 'vitest';
import { AttentionKernel, kvWords, q8ScaleOffset } from '../../../src/kernels/ops/attentionKernel';
import { VarQkvPrepareKernel } from '../../../src/kernels/ops/varQkvPrepareKernel';
import { attentionRef, headMajorLayout, layoutIndex, tokenLevels, varQkvPrepareRef } from '../../../src/ops/attention';
import { dequantizeKvRowsQ8, quantizeKvRowsQ8 } from '../../../src/ops/kvCacheQ8';
import { Rng } from '../../../src/util/random';
import { testDevice } from '../device';
import { expectClose, freshSeed, uniformArray } from '../../ops/closeness';
import { outputBuffer, readF32, readU32, uploadF32, uploadU32 } from './gpuArrays';

const READ_TOL = { atol: 2e-4, rtol: 2e-4 };
const VS_F32_TOL = { atol: 5e-2, rtol: 5e-2 };

/** The int8 codes and f32 row scales of a q8 cache buffer of `elements` values. */
function unpackQ8(raw: Uint32Array, elements: number, headDim: number): { codes: Int8Array; scales: Float64Array } {
  const codes = new Int8Array(raw.buffer.slice(0, elements));
  const scales = Float64Array.from(new Float32Array(raw.buffer, q8ScaleOffset(elements) * 4, elements / headDim));
  return { codes, scales };
}

describe('q8 KV cache', () => {
  it('VarQkvPrepareKernel stores the reference int8 codes and row absmax scales, and writes only its rows', async () => {
    const device = await testDevice();
    const seed = freshSeed();
    const rng = new Rng(seed);
    const [B, T, H, d, capacity, position] = [2, 9, 3, 64, 20, 5];
    const C = H * d;
    const qkv = uniformArray(() => rng.next(), B * T * 3 * C, -2, 2);
    const qBias = uniformArray(() => rng.next(), C);
    const vBias = uniformArray(() => rng.next(), C);
    const scaleMulLog = Float32Array.from([Math.log(4), 6, Math.log(30) + rng.next()]);
    const ref = varQkvPrepareRef(qkv, B, T, H, d, qBias, vBias, scaleMulLog);

    const kernel = new VarQkvPrepareKernel(device);
    const sentinel = 0xdeadbeef;
    const elements = B * H * capacity * d;
    const words = kvWords(elements, 'q8', d);
    expect(words).toBe(elements / 4 + elements / d);
    const buffers = {
      qkv: uploadF32(device, 'qkv', qkv),
      qBias: uploadF32(device, 'qBias', qBias),
      vBias: uploadF32(device, 'vBias', vBias),
      scaleMulLog: uploadF32(device, 'scaleMulLog', scaleMulLog),
      q: outputBuffer(device, 'q', B * T * C),
      kCache: uploadU32(device, 'kCache', new Uint32Array(words).fill(sentinel)),
      vCache: uploadU32(device, 'vCache', new Uint32Array(words).fill(sentinel)),
    };
    await kernel.run({
      ...buffers,
      batch: B,
      tokens: T,
      heads: H,
      headDim: d,
      capacity,
      cachePosition: position,
      kvFormat: 'q8',
    });
    const context = `seed ${seed}`;
    expectClose(await readF32(device, buffers.q, B * T * C), ref.q, { atol: 1e-5, rtol: 1e-5 }, `q ${context}`);
    const cache = headMajorLayout(H, capacity, d);
    let exactCodes = 0;
    for (const [name, expected] of [
      ['kCache', ref.k],
      ['vCache', ref.v],
    ] as const) {
      const raw = await readU32(device, buffers[name], words);
      const got = unpackQ8(raw, elements, d);
      const want = quantizeKvRowsQ8(expected, d);
      let untouched = 0;
      for (let b = 0; b < B; b++) {
        for (let h = 0; h < H; h++) {
          for (let t = 0; t < capacity; t++) {
            const row = layoutIndex(cache, b, h, t, 0) / d;
            if (t < position || t >= position + T) {
              for (let w = (row * d) / 4; w < ((row + 1) * d) / 4; w++) if (raw[w] === sentinel) untouched++;
              if (raw[q8ScaleOffset(elements) + row] === sentinel) untouched++;
              continue;
            }
            const srcRow = ((b * H + h) * T + (t - position)) * 1;
            const scale = want.scales[srcRow];
            expect(Math.abs(got.scales[row] - scale), `${name} scale b${b} h${h} t${t} ${context}`).toBeLessThanOrEqual(
              1e-6 * scale,
            );
            for (let e = 0; e < d; e++) {
              const x = (127 * expected[srcRow * d + e]) / scale;
              const nearMidpoint = Math.abs(x - Math.floor(x) - 0.5) < 1e-3;
              const diff = Math.abs(got.codes[row * d + e] - want.codes[srcRow * d + e]);
              if (diff === 0) exactCodes++;
              else if (!(diff === 1 && nearMidpoint))
                throw new Error(
                  `${name} b${b} h${h} t${t} e${e}: code ${got.codes[row * d + e]}, reference ${want.codes[srcRow * d + e]} (${context})`,
                );
            }
          }
        }
      }
      // Codes of the other rows, and their scales, stay as they were.
      expect(untouched, `${name}: rows outside ${position}..${position + T - 1} must stay untouched`).toBe(
        B * H * (capacity - T) * (d / 4 + 1),
      );
    }
    expect(exactCodes).toBeGreaterThan(2 * B * H * T * d - 10);
    kernel.destroy();
    Object.values(buffers).forEach((b) => b.destroy());
  });

  it('scale-by-scale steps over a q8 cache match attention over the dequantised K/V (VAR sampling)', async () => {
    const device = await testDevice();
    const seed = freshSeed();
    const rng = new Rng(seed);
    const patchNums = [1, 2, 3, 4, 5];
    const levels = tokenLevels(patchNums);
    const [B, H, d, L] = [2, 2, 64, levels.length];
    const C = H * d;
    const qkv = uniformArray(() => rng.next(), B * L * 3 * C, -1, 1);
    const qBias = uniformArray(() => rng.next(), C, -0.5, 0.5);
    const vBias = uniformArray(() => rng.next(), C, -0.5, 0.5);
    const scaleMulLog = Float32Array.from([Math.log(4), Math.log(12)]);
    const full = varQkvPrepareRef(qkv, B, L, H, d, qBias, vBias, scaleMulLog);
    const layout = headMajorLayout(H, L, d);
    const elements = B * H * L * d;
    const shape = { batch: B, heads: H, headDim: d, scale: 1 };
    const exact = attentionRef(full.q, layout, full.k, layout, full.v, layout, {
      ...shape,
      queries: L,
      keys: L,
      mask: { levels, firstQueryPosition: 0 },
    });

    const prepare = new VarQkvPrepareKernel(device);
    const attention = new AttentionKernel(device);
    const bias = {
      qBias: uploadF32(device, 'qBias', qBias),
      vBias: uploadF32(device, 'vBias', vBias),
      scaleMulLog: uploadF32(device, 'scaleMulLog', scaleMulLog),
    };
    const words = kvWords(elements, 'q8', d);
    const kCache = uploadU32(device, 'kCache', new Uint32Array(words));
    const vCache = uploadU32(device, 'vCache', new Uint32Array(words));
    let position = 0;
    let worstVsF32 = 0;
    for (const pn of patchNums) {
      const T = pn * pn;
      const stepQkv = new Float32Array(B * T * 3 * C);
      for (let b = 0; b < B; b++)
        stepQkv.set(qkv.subarray((b * L + position) * 3 * C, (b * L + position + T) * 3 * C), b * T * 3 * C);
      const qkvBuf = uploadF32(device, 'stepQkv', stepQkv);
      const qBuf = outputBuffer(device, 'stepQ', B * T * C);
      const out = outputBuffer(device, 'stepOut', B * T * C);
      const encoder = device.createCommandEncoder({ label: 'test.cachedStepQ8' });
      const common = { batch: B, heads: H, headDim: d };
      prepare.encode(encoder, {
        qkv: qkvBuf,
        ...bias,
        q: qBuf,
        kCache,
        vCache,
        ...common,
        tokens: T,
        capacity: L,
        cachePosition: position,
        kvFormat: 'q8',
      });
      attention.encode(encoder, {
        q: qBuf,
        k: kCache,
        v: vCache,
        out,
        ...common,
        queries: T,
        keys: position + T,
        scale: 1,
        kLayout: layout,
        vLayout: layout,
        kvFormat: 'q8',
        kvScaleOffset: q8ScaleOffset(elements),
      });
      device.queue.submit([encoder.finish()]);
      const got = await readF32(device, out, B * T * C);
      // What the GPU stored, dequantised: the expected attention reads exactly these K/V.
      const k = dequantizeKvRowsQ8(unpackQ8(await readU32(device, kCache, words), elements, d), d);
      const v = dequantizeKvRowsQ8(unpackQ8(await readU32(device, vCache, words), elements, d), d);
      const stepQ = new Float64Array(B * T * C);
      const stepExact = new Float64Array(B * T * C);
      for (let b = 0; b < B; b++) {
        for (let h = 0; h < H; h++)
          stepQ.set(
            full.q.subarray(layoutIndex(layout, b, h, position, 0), layoutIndex(layout, b, h, position + T, 0)),
            (b * H + h) * T * d,
          );
        stepExact.set(exact.subarray((b * L + position) * C, (b * L + position + T) * C), b * T * C);
      }
      const want = attentionRef(stepQ, headMajorLayout(H, T, d), k, layout, v, layout, {
        ...shape,
        queries: T,
        keys: position + T,
      });
      expectClose(got, want, READ_TOL, `q8 cached step pn=${pn} seed ${seed}`);
      expectClose(got, stepExact, VS_F32_TOL, `q8 cached step pn=${pn} vs f32 K/V, seed ${seed}`);
      got.forEach((g, i) => (worstVsF32 = Math.max(worstVsF32, Math.abs(g - stepExact[i]))));
      position += T;
      [qkvBuf, qBuf, out].forEach((b) => b.destroy());
    }
    console.log(
      `q8 KV cache: worst |attention - attention over f32 K/V| ${worstVsF32.toExponential(2)} (seed ${seed})`,
    );
    // The q8 storage is really in effect: the output differs from attention over f32 K/V.
    expect(worstVsF32, `seed ${seed}`).toBeGreaterThan(1e-5);
    prepare.destroy();
    attention.destroy();
    [kCache, vCache, ...Object.values(bias)].forEach((b) => b.destroy());
  });

  it('refuses a q8 cache without kvScaleOffset, with a row-misaligned layout, or too small for its scales', async () => {
    const device = await testDevice();
    const attention = new AttentionKernel(device);
    const [H, d, keys] = [2, 8, 10];
    const elements = H * keys * d;
    const q = uploadF32(device, 'q', new Float32Array(H * d));
    const full = uploadU32(device, 'full', new Uint32Array(kvWords(elements, 'q8', d)));
    const small = uploadU32(device, 'small', new Uint32Array(kvWords(elements, 'q8', d) - 1));
    const out = outputBuffer(device, 'out', H * d);
    const args = { q, k: full, v: full, out, batch: 1, heads: H, headDim: d, queries: 1, keys, scale: 1 };
    const encode = (extra: object) => () =>
      attention.encode(device.createCommandEncoder(), { ...args, kvFormat: 'q8', ...extra });
    expect(encode({})).toThrow(/kvScaleOffset/);
    expect(encode({ kvScaleOffset: q8ScaleOffset(elements), kLayout: headMajorLayout(H, keys, d, 4) })).toThrow(
      /multiples of headDim/,
    );
    expect(encode({ kvScaleOffset: q8ScaleOffset(elements), k: small })).toThrow(/q8 k/);
    expect(encode({ kvScaleOffset: q8ScaleOffset(elements) })).not.toThrow();
    attention.destroy();
    [q, full, small, out].forEach((b) => b.destroy());
  });
});
