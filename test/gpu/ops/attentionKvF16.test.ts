/**
 * VAR's f16 KV cache (kvFormat 'f16': K and V packed two per u32 with pack2x16float, read with unpack2x16float)
 * against the plain TypeScript reference: varQkvPrepareRef / attentionRef with K and V rounded to f16 by
 * roundToF16 (src/quant/f16.ts). Fresh random inputs each run (KERNEL_TEST_SEED replays one).
 *
 * Tolerances:
 *  - stored K/V: within one f16 ulp of roundToF16(reference). The GPU rounds its f32 value, which may sit one
 *    f32 ulp from the f64 reference, so a value next to a rounding midpoint may round the other way; WGSL also
 *    leaves pack2x16float's rounding direction to the implementation. Nothing further is allowed.
 *  - attention output: atol = rtol = 2e-4 against attention over the f16-rounded K/V (the f32 kernel's own error
 *    is ~1e-6; an f16 K element rounded the other way moves a score by |q_e| x ulp_f16(k_e) <= 12 x 2^-13, and
 *    the output by less than that). Against the unrounded f32 reference the error is the f16 rounding itself,
 *    which this test also bounds (atol = rtol = 1e-2: relative rounding 2^-11 on K and V).
 */
import { describe, expect, it } from 'vitest';
import { AttentionKernel } from '../../../src/kernels/ops/attentionKernel';
import { VarQkvPrepareKernel } from '../../../src/kernels/ops/varQkvPrepareKernel';
import { attentionRef, headMajorLayout, layoutIndex, tokenLevels, varQkvPrepareRef } from '../../../src/ops/attention';
import { f16BitsToF32, roundToF16 } from '../../../src/quant/f16';
import { Rng } from '../../../src/util/random';
import { testDevice } from '../device';
import { expectClose, freshSeed, uniformArray } from '../../ops/closeness';
import { outputBuffer, readF32, readU32, uploadF32, uploadU32 } from './gpuArrays';

const F16_TOL = { atol: 2e-4, rtol: 2e-4 };
const VS_F32_TOL = { atol: 1e-2, rtol: 1e-2 };

/** The f16 values of u32 words packed low half first (pack2x16float's order). */
function unpackF16(words: Uint32Array): Float64Array {
  const out = new Float64Array(words.length * 2);
  words.forEach((w, i) => {
    out[2 * i] = f16BitsToF32(w & 0xffff);
    out[2 * i + 1] = f16BitsToF32(w >>> 16);
  });
  return out;
}

/** Distance to the next f16 of |x| (normal range; 2^-24 below it). */
function f16Ulp(x: number): number {
  const a = Math.abs(x);
  return a < 2 ** -14 ? 2 ** -24 : 2 ** (Math.floor(Math.log2(a)) - 10);
}

describe('f16 KV cache', () => {
  it('VarQkvPrepareKernel packs k and v as f16 (one ulp of the rounded reference) and writes only its rows', async () => {
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
    const words = (B * H * capacity * d) / 2;
    const buffers = {
      qkv: uploadF32(device, 'qkv', qkv),
      qBias: uploadF32(device, 'qBias', qBias),
      vBias: uploadF32(device, 'vBias', vBias),
      scaleMulLog: uploadF32(device, 'scaleMulLog', scaleMulLog),
      q: outputBuffer(device, 'q', B * T * C),
      // Exactly half an f32 cache: the kernel must fit its rows in it.
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
      kvFormat: 'f16',
    });
    const context = `seed ${seed}`;
    // q stays f32.
    expectClose(await readF32(device, buffers.q, B * T * C), ref.q, { atol: 1e-5, rtol: 1e-5 }, `q ${context}`);
    const cache = headMajorLayout(H, capacity, d);
    const src = headMajorLayout(H, T, d);
    for (const [name, expected] of [
      ['kCache', ref.k],
      ['vCache', ref.v],
    ] as const) {
      const raw = await readU32(device, buffers[name], words);
      const got = unpackF16(raw);
      let untouched = 0;
      for (let b = 0; b < B; b++) {
        for (let h = 0; h < H; h++) {
          for (let t = 0; t < capacity; t++) {
            const rowStart = layoutIndex(cache, b, h, t, 0);
            if (t < position || t >= position + T) {
              for (let w = rowStart / 2; w < (rowStart + d) / 2; w++) if (raw[w] === sentinel) untouched++;
              continue;
            }
            for (let e = 0; e < d; e++) {
              const want = expected[layoutIndex(src, b, h, t - position, e)];
              const value = got[rowStart + e];
              const err = Math.abs(value - roundToF16(want));
              if (!(err <= f16Ulp(want)))
                throw new Error(`${name} b${b} h${h} t${t} e${e}: ${value}, f16 of ${want} is ${roundToF16(want)}`);
            }
          }
        }
      }
      expect(untouched, `${name}: rows outside ${position}..${position + T - 1} must stay untouched`).toBe(
        (B * H * (capacity - T) * d) / 2,
      );
    }
    kernel.destroy();
    Object.values(buffers).forEach((b) => b.destroy());
  });

  it('scale-by-scale steps over an f16 cache match attention over f16-rounded K/V (VAR sampling)', async () => {
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
    const shape = {
      batch: B,
      heads: H,
      headDim: d,
      queries: L,
      keys: L,
      scale: 1,
      mask: { levels, firstQueryPosition: 0 },
    };
    const expected = attentionRef(
      full.q,
      layout,
      full.k.map(roundToF16),
      layout,
      full.v.map(roundToF16),
      layout,
      shape,
    );
    const exact = attentionRef(full.q, layout, full.k, layout, full.v, layout, shape);

    const prepare = new VarQkvPrepareKernel(device);
    const attention = new AttentionKernel(device);
    const bias = {
      qBias: uploadF32(device, 'qBias', qBias),
      vBias: uploadF32(device, 'vBias', vBias),
      scaleMulLog: uploadF32(device, 'scaleMulLog', scaleMulLog),
    };
    const kCache = uploadU32(device, 'kCache', new Uint32Array((B * H * L * d) / 2));
    const vCache = uploadU32(device, 'vCache', new Uint32Array((B * H * L * d) / 2));
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
      const encoder = device.createCommandEncoder({ label: 'test.cachedStepF16' });
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
        kvFormat: 'f16',
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
        kvFormat: 'f16',
      });
      device.queue.submit([encoder.finish()]);
      const got = await readF32(device, out, B * T * C);
      const want = new Float64Array(B * T * C);
      const wantExact = new Float64Array(B * T * C);
      for (let b = 0; b < B; b++) {
        want.set(expected.subarray((b * L + position) * C, (b * L + position + T) * C), b * T * C);
        wantExact.set(exact.subarray((b * L + position) * C, (b * L + position + T) * C), b * T * C);
      }
      expectClose(got, want, F16_TOL, `f16 cached step pn=${pn} seed ${seed}`);
      expectClose(got, wantExact, VS_F32_TOL, `f16 cached step pn=${pn} vs f32 K/V, seed ${seed}`);
      got.forEach((g, i) => (worstVsF32 = Math.max(worstVsF32, Math.abs(g - wantExact[i]))));
      position += T;
      [qkvBuf, qBuf, out].forEach((b) => b.destroy());
    }
    // The f16 storage is really in effect: the output differs from attention over f32 K/V.
    expect(worstVsF32, `seed ${seed}`).toBeGreaterThan(1e-6);
    prepare.destroy();
    attention.destroy();
    [kCache, vCache, ...Object.values(bias)].forEach((b) => b.destroy());
  });

  it('refuses an f16 cache buffer smaller than half an f32 one', async () => {
    const device = await testDevice();
    const attention = new AttentionKernel(device);
    const [H, d, keys] = [2, 8, 10];
    const q = uploadF32(device, 'q', new Float32Array(H * d));
    const small = uploadU32(device, 'small', new Uint32Array((H * keys * d) / 2 - 4));
    const out = outputBuffer(device, 'out', H * d);
    expect(() =>
      attention.encode(device.createCommandEncoder(), {
        q,
        k: small,
        v: small,
        out,
        batch: 1,
        heads: H,
        headDim: d,
        queries: 1,
        keys,
        scale: 1,
        kvFormat: 'f16',
      }),
    ).toThrow(/f16 k/);
    attention.destroy();
    [q, small, out].forEach((b) => b.destroy());
  });
});
