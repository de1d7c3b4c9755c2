import { describe, expect, it } from 'vitest';
import { AttentionKernel } from '../../../src/kernels/ops/attentionKernel';
import { VarQkvPrepareKernel } from '../../../src/kernels/ops/varQkvPrepareKernel';
import {
  attentionRef,
  headMajorLayout,
  layoutIndex,
  tokenLevels,
  tokenMajorQkvLayouts,
  varQkvPrepareRef,
} from '../../../src/ops/attention';
import { Rng } from '../../../src/util/random';
import { testDevice } from '../device';
import { expectClose, freshSeed, uniformArray } from '../../ops/closeness';
import { outputBuffer, readF32, uploadF32, uploadU32 } from './gpuArrays';

// Softmax over <= 200 keys and dot products over <= 64 dims in f32 against f64: errors near 1e-6 on O(1) values.
const TOL = { atol: 1e-5, rtol: 1e-5 };

describe('VarQkvPrepareKernel', () => {
  it('normalises q and k, scales q, adds the biases and writes only its cache rows', async () => {
    const device = await testDevice();
    const seed = freshSeed();
    const rng = new Rng(seed);
    const [B, T, H, d, capacity, position] = [2, 9, 3, 64, 20, 5];
    const C = H * d;
    const qkv = uniformArray(() => rng.next(), B * T * 3 * C, -2, 2);
    const qBias = uniformArray(() => rng.next(), C);
    const vBias = uniformArray(() => rng.next(), C);
    // Head 1 is above ln(100) and must be clamped.
    const scaleMulLog = Float32Array.from([Math.log(4), 6, Math.log(30) + rng.next()]);
    const ref = varQkvPrepareRef(qkv, B, T, H, d, qBias, vBias, scaleMulLog);

    const kernel = new VarQkvPrepareKernel(device);
    const sentinel = -12345;
    const cacheInit = new Float32Array(B * H * capacity * d).fill(sentinel);
    const buffers = {
      qkv: uploadF32(device, 'qkv', qkv),
      qBias: uploadF32(device, 'qBias', qBias),
      vBias: uploadF32(device, 'vBias', vBias),
      scaleMulLog: uploadF32(device, 'scaleMulLog', scaleMulLog),
      q: outputBuffer(device, 'q', B * T * C),
      kCache: uploadF32(device, 'kCache', cacheInit),
      vCache: uploadF32(device, 'vCache', cacheInit),
    };
    await kernel.run({ ...buffers, batch: B, tokens: T, heads: H, headDim: d, capacity, cachePosition: position });
    const context = `seed ${seed}`;
    expectClose(await readF32(device, buffers.q, B * T * C), ref.q, TOL, `q ${context}`);
    const cache = headMajorLayout(H, capacity, d);
    const src = headMajorLayout(H, T, d);
    for (const [name, expected] of [
      ['kCache', ref.k],
      ['vCache', ref.v],
    ] as const) {
      const got = await readF32(device, buffers[name], cacheInit.length);
      const written = new Float32Array(B * T * C);
      let untouched = 0;
      for (let b = 0; b < B; b++) {
        for (let h = 0; h < H; h++) {
          for (let t = 0; t < capacity; t++) {
            for (let e = 0; e < d; e++) {
              const value = got[layoutIndex(cache, b, h, t, e)];
              if (t >= position && t < position + T) written[layoutIndex(src, b, h, t - position, e)] = value;
              else if (value === sentinel) untouched++;
            }
          }
        }
      }
      expectClose(written, expected, TOL, `${name} ${context}`);
      expect(untouched, `${name}: rows outside ${position}..${position + T - 1} must stay untouched`).toBe(
        B * H * (capacity - T) * d,
      );
    }
    kernel.destroy();
    Object.values(buffers).forEach((b) => b.destroy());
  });

  it('refuses to write past the cache capacity', async () => {
    const device = await testDevice();
    const kernel = new VarQkvPrepareKernel(device);
    const buf = uploadF32(device, 'any', new Float32Array(4096));
    const other = uploadF32(device, 'other', new Float32Array(4096));
    const args = { qkv: buf, qBias: buf, vBias: buf, scaleMulLog: buf, q: other, kCache: other, vCache: other };
    expect(() =>
      kernel.encode(device.createCommandEncoder(), {
        ...args,
        batch: 1,
        tokens: 4,
        heads: 1,
        headDim: 4,
        capacity: 6,
        cachePosition: 3,
      }),
    ).toThrow(/capacity/);
    kernel.destroy();
    buf.destroy();
    other.destroy();
  });
});

describe('AttentionKernel', () => {
  it('block-causal full sequence (VAR teacher-forced) matches the masked reference', async () => {
    const device = await testDevice();
    const seed = freshSeed();
    const rng = new Rng(seed);
    const patchNums = [1, 2, 3, 4, 6, 8];
    const levels = tokenLevels(patchNums);
    const [B, H, d, L] = [2, 2, 64, levels.length];
    const n = B * H * L * d;
    // Normalised-ish q scaled like VAR (|q| up to ~10) so the softmax is far from uniform.
    const q = uniformArray(() => rng.next(), n, -1.2, 1.2);
    const k = uniformArray(() => rng.next(), n, -0.2, 0.2);
    const v = uniformArray(() => rng.next(), n, -1, 1);
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
    const expected = attentionRef(q, layout, k, layout, v, layout, shape);
    const kernel = new AttentionKernel(device);
    const [qb, kb, vb, lb] = [
      uploadF32(device, 'q', q),
      uploadF32(device, 'k', k),
      uploadF32(device, 'v', v),
      uploadU32(device, 'levels', levels),
    ];
    const out = outputBuffer(device, 'out', n);
    await kernel.run({
      q: qb,
      k: kb,
      v: vb,
      out,
      batch: B,
      heads: H,
      headDim: d,
      queries: L,
      keys: L,
      scale: 1,
      mask: { levels: lb, firstQueryPosition: 0 },
    });
    expectClose(await readF32(device, out, n), expected, TOL, `masked L=${L} seed ${seed}`);
    kernel.destroy();
    [qb, kb, vb, lb, out].forEach((b) => b.destroy());
  });

  it('KV-cached scale-by-scale steps reproduce the block-causal pass (VAR sampling)', async () => {
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
    // Reference: all L tokens at once with the mask.
    const full = varQkvPrepareRef(qkv, B, L, H, d, qBias, vBias, scaleMulLog);
    const layout = headMajorLayout(H, L, d);
    const expected = attentionRef(full.q, layout, full.k, layout, full.v, layout, {
      batch: B,
      heads: H,
      headDim: d,
      queries: L,
      keys: L,
      scale: 1,
      mask: { levels, firstQueryPosition: 0 },
    });

    const prepare = new VarQkvPrepareKernel(device);
    const attention = new AttentionKernel(device);
    const bias = {
      qBias: uploadF32(device, 'qBias', qBias),
      vBias: uploadF32(device, 'vBias', vBias),
      scaleMulLog: uploadF32(device, 'scaleMulLog', scaleMulLog),
    };
    const kCache = outputBuffer(device, 'kCache', B * H * L * d);
    const vCache = outputBuffer(device, 'vCache', B * H * L * d);
    let position = 0;
    for (const pn of patchNums) {
      const T = pn * pn;
      // This scale's rows of qkv [B, L, 3C], as the matmul would produce them for the step's input.
      const stepQkv = new Float32Array(B * T * 3 * C);
      for (let b = 0; b < B; b++)
        stepQkv.set(qkv.subarray((b * L + position) * 3 * C, (b * L + position + T) * 3 * C), b * T * 3 * C);
      const qkvBuf = uploadF32(device, 'stepQkv', stepQkv);
      const qBuf = outputBuffer(device, 'stepQ', B * T * C);
      const out = outputBuffer(device, 'stepOut', B * T * C);
      const encoder = device.createCommandEncoder({ label: 'test.cachedStep' });
      prepare.encode(encoder, {
        qkv: qkvBuf,
        ...bias,
        q: qBuf,
        kCache,
        vCache,
        batch: B,
        tokens: T,
        heads: H,
        headDim: d,
        capacity: L,
        cachePosition: position,
      });
      const cacheLayout = headMajorLayout(H, L, d);
      attention.encode(encoder, {
        q: qBuf,
        k: kCache,
        v: vCache,
        out,
        batch: B,
        heads: H,
        headDim: d,
        queries: T,
        keys: position + T,
        scale: 1,
        kLayout: cacheLayout,
        vLayout: cacheLayout,
      });
      device.queue.submit([encoder.finish()]);
      const got = await readF32(device, out, B * T * C);
      const want = new Float64Array(B * T * C);
      for (let b = 0; b < B; b++)
        want.set(expected.subarray((b * L + position) * C, (b * L + position + T) * C), b * T * C);
      expectClose(got, want, TOL, `cached step pn=${pn} seed ${seed}`);
      position += T;
      [qkvBuf, qBuf, out].forEach((b) => b.destroy());
    }
    prepare.destroy();
    attention.destroy();
    [kCache, vCache, ...Object.values(bias)].forEach((b) => b.destroy());
  });

  for (const tokens of [16, 100]) {
    it(`DiT: reads q, k, v in place from the qkv matmul output, softmax scale 1/sqrt(d) (L=${tokens})`, async () => {
      const device = await testDevice();
      const seed = freshSeed();
      const rng = new Rng(seed);
      const [B, H, d] = [2, 4, 32];
      const qkv = uniformArray(() => rng.next(), B * tokens * 3 * H * d, -2, 2);
      const layouts = tokenMajorQkvLayouts(tokens, H, d);
      const shape = { batch: B, heads: H, headDim: d, queries: tokens, keys: tokens, scale: 1 / Math.sqrt(d) };
      const expected = attentionRef(qkv, layouts.q, qkv, layouts.k, qkv, layouts.v, shape);
      const kernel = new AttentionKernel(device);
      const qkvBuf = uploadF32(device, 'qkv', qkv);
      const out = outputBuffer(device, 'out', B * tokens * H * d);
      await kernel.run({
        q: qkvBuf,
        k: qkvBuf,
        v: qkvBuf,
        out,
        ...shape,
        qLayout: layouts.q,
        kLayout: layouts.k,
        vLayout: layouts.v,
      });
      expectClose(await readF32(device, out, B * tokens * H * d), expected, TOL, `DiT L=${tokens} seed ${seed}`);
      kernel.destroy();
      qkvBuf.destroy();
      out.destroy();
    });
  }

  it('rejects layouts that are not vec4-aligned', async () => {
    const device = await testDevice();
    const kernel = new AttentionKernel(device);
    const buf = uploadF32(device, 'any', new Float32Array(1024));
    const out = uploadF32(device, 'out', new Float32Array(1024));
    const bad = { offset: 2, batchStride: 64, headStride: 16, tokenStride: 16 };
    expect(() =>
      kernel.encode(device.createCommandEncoder(), {
        q: buf,
        k: buf,
        v: buf,
        out,
        batch: 1,
        heads: 1,
        headDim: 16,
        queries: 2,
        keys: 2,
        scale: 1,
        qLayout: bad,
      }),
    ).toThrow(/multiples of 4/);
    kernel.destroy();
    buf.destroy();
    out.destroy();
  });
});
