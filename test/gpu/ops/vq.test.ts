import { describe, expect, it } from 'vitest';
import { AreaDownsampleKernel } from '../../../src/kernels/ops/areaDownsampleKernel';
import { BicubicUpsampleKernel } from '../../../src/kernels/ops/bicubicUpsampleKernel';
import { CodebookGatherKernel } from '../../../src/kernels/ops/codebookGatherKernel';
import { NearestCodeKernel } from '../../../src/kernels/ops/nearestCodeKernel';
import { PhiConvAccumulateKernel } from '../../../src/kernels/ops/phiConvAccumulateKernel';
import {
  areaDownsampleRef,
  bicubicUpsampleRef,
  codebookGatherRef,
  nearestCodeRef,
  phiConvRef,
} from '../../../src/ops/vq';
import { Rng } from '../../../src/util/random';
import { testDevice } from '../device';
import { expectClose, freshSeed, uniformArray } from '../../ops/closeness';
import { outputBuffer, readF32, readU32, uploadF32, uploadU32 } from './gpuArrays';

// A few f32 roundings (and <= 9*C products for the conv) on O(1) values against f64.
const TOL = { atol: 1e-5, rtol: 1e-5 };

describe('VQ kernels', () => {
  it('one VAR tokenizer step: gather -> bicubic -> Phi accumulate -> area to tokens', async () => {
    const device = await testDevice();
    const seed = freshSeed();
    const rng = new Rng(seed);
    const [B, C, V, pn, H, nextPn] = [2, 32, 100, 3, 8, 4];
    const codebook = uniformArray(() => rng.next(), V * C);
    const indices = Array.from({ length: B * pn * pn }, () => Math.floor(rng.next() * V));
    const fHat0 = uniformArray(() => rng.next(), B * C * H * H);
    const weight = uniformArray(() => rng.next(), C * C * 9, -0.1, 0.1);
    const bias = uniformArray(() => rng.next(), C, -0.1, 0.1);
    const shape = { batch: B, channels: C, height: H, width: H };

    const h = codebookGatherRef(indices, codebook, B, pn, C);
    const up = bicubicUpsampleRef(h, { batch: B, channels: C, height: pn, width: pn }, H, H);
    const phi = phiConvRef(up, weight, bias, shape, 0.5);
    const fHat = fHat0.map((v, i) => v + phi[i]);
    const next = areaDownsampleRef(fHat, shape, nextPn, nextPn, 'tokens');

    const kernels = {
      gather: new CodebookGatherKernel(device),
      bicubic: new BicubicUpsampleKernel(device),
      phi: new PhiConvAccumulateKernel(device),
      area: new AreaDownsampleKernel(device),
    };
    const buf = {
      indices: uploadU32(device, 'indices', indices),
      codebook: uploadF32(device, 'codebook', codebook),
      h: outputBuffer(device, 'h', B * C * pn * pn),
      up: outputBuffer(device, 'up', B * C * H * H),
      weight: uploadF32(device, 'weight', weight),
      bias: uploadF32(device, 'bias', bias),
      fHat: uploadF32(device, 'fHat', fHat0),
      next: outputBuffer(device, 'next', B * nextPn * nextPn * C),
    };
    const encoder = device.createCommandEncoder({ label: 'test.vqStep' });
    kernels.gather.encode(encoder, {
      indices: buf.indices,
      codebook: buf.codebook,
      h: buf.h,
      batch: B,
      side: pn,
      codes: V,
      channels: C,
    });
    kernels.bicubic.encode(encoder, {
      src: buf.h,
      dst: buf.up,
      batch: B,
      channels: C,
      inHeight: pn,
      inWidth: pn,
      outHeight: H,
      outWidth: H,
    });
    kernels.phi.encode(encoder, {
      h: buf.up,
      weight: buf.weight,
      bias: buf.bias,
      fHat: buf.fHat,
      ...shape,
      ratio: 0.5,
    });
    kernels.area.encode(encoder, {
      src: buf.fHat,
      dst: buf.next,
      batch: B,
      channels: C,
      inHeight: H,
      inWidth: H,
      outHeight: nextPn,
      outWidth: nextPn,
      layout: 'tokens',
    });
    device.queue.submit([encoder.finish()]);

    const context = `seed ${seed}`;
    expectClose(await readF32(device, buf.h, h.length), h, TOL, `gather ${context}`);
    expectClose(await readF32(device, buf.up, up.length), up, TOL, `bicubic ${context}`);
    expectClose(await readF32(device, buf.fHat, fHat.length), fHat, TOL, `f_hat ${context}`);
    expectClose(await readF32(device, buf.next, next.length), next, TOL, `area tokens ${context}`);
    Object.values(kernels).forEach((k) => k.destroy());
    Object.values(buf).forEach((b) => b.destroy());
  });

  it('resizes odd shapes both ways, NCHW output, and Phi without accumulation', async () => {
    const device = await testDevice();
    const seed = freshSeed();
    const rng = new Rng(seed);
    const shape = { batch: 3, channels: 5, height: 7, width: 9 };
    const n = 3 * 5 * 7 * 9;
    const x = uniformArray(() => rng.next(), n, -2, 2);
    const bicubic = new BicubicUpsampleKernel(device);
    const area = new AreaDownsampleKernel(device);
    const phi = new PhiConvAccumulateKernel(device);
    const src = uploadF32(device, 'x', x);
    const big = outputBuffer(device, 'big', 3 * 5 * 11 * 20);
    const small = outputBuffer(device, 'small', 3 * 5 * 3 * 4);
    const phiOut = outputBuffer(device, 'phiOut', n);
    const weight = uniformArray(() => rng.next(), 25 * 9, -0.3, 0.3);
    const bias = uniformArray(() => rng.next(), 5);
    const [wBuf, bBuf] = [uploadF32(device, 'w', weight), uploadF32(device, 'b', bias)];
    const encoder = device.createCommandEncoder();
    bicubic.encode(encoder, {
      src,
      dst: big,
      batch: 3,
      channels: 5,
      inHeight: 7,
      inWidth: 9,
      outHeight: 11,
      outWidth: 20,
    });
    area.encode(encoder, {
      src,
      dst: small,
      batch: 3,
      channels: 5,
      inHeight: 7,
      inWidth: 9,
      outHeight: 3,
      outWidth: 4,
    });
    phi.encode(encoder, { h: src, weight: wBuf, bias: bBuf, fHat: phiOut, ...shape, ratio: 0.3, accumulate: false });
    device.queue.submit([encoder.finish()]);
    const context = `seed ${seed}`;
    expectClose(
      await readF32(device, big, 3 * 5 * 11 * 20),
      bicubicUpsampleRef(x, shape, 11, 20),
      TOL,
      `bicubic 7x9->11x20 ${context}`,
    );
    expectClose(
      await readF32(device, small, 3 * 5 * 12),
      areaDownsampleRef(x, shape, 3, 4),
      TOL,
      `area 7x9->3x4 ${context}`,
    );
    expectClose(await readF32(device, phiOut, n), phiConvRef(x, weight, bias, shape, 0.3), TOL, `phi ${context}`);
    [bicubic, area, phi].forEach((k) => k.destroy());
    [src, big, small, phiOut, wBuf, bBuf].forEach((b) => b.destroy());
  });

  it('nearest code finds the reference argmin, lowest index on exact ties', async () => {
    const device = await testDevice();
    const seed = freshSeed();
    const rng = new Rng(seed);
    const [N, V, C] = [70, 600, 32];
    const codebook = uniformArray(() => rng.next(), V * C);
    // Duplicate codes 17 -> 450 and 300 -> 599: exact ties that must resolve to 17 and 300.
    codebook.copyWithin(450 * C, 17 * C, 18 * C);
    codebook.copyWithin(599 * C, 300 * C, 301 * C);
    const features = uniformArray(() => rng.next(), N * C);
    features.set(codebook.subarray(17 * C, 18 * C), 0);
    features.set(codebook.subarray(300 * C, 301 * C), C);
    const expected = nearestCodeRef(features, codebook, N, V, C);
    expect([expected[0], expected[1]]).toEqual([17, 300]);
    const kernel = new NearestCodeKernel(device);
    const [fBuf, cBuf, out] = [
      uploadF32(device, 'features', features),
      uploadF32(device, 'codebook', codebook),
      outputBuffer(device, 'indices', N),
    ];
    await kernel.run({ features: fBuf, codebook: cBuf, indices: out, rows: N, codes: V, channels: C });
    const got = await readU32(device, out, N);
    // f32 distances may order two codes whose f64 distances are within rounding differently: accept a different
    // index only when its distance ties the best one to 1e-5 relative.
    const distance = (r: number, v: number) =>
      features.subarray(r * C, (r + 1) * C).reduce((s, z, c) => s + (z - codebook[v * C + c]) ** 2, 0);
    for (let r = 0; r < N; r++) {
      if (got[r] === expected[r]) continue;
      const [dGot, dWant] = [distance(r, got[r]), distance(r, expected[r])];
      expect(
        Math.abs(dGot - dWant),
        `row ${r}: index ${got[r]} (distance ${dGot}) instead of ${expected[r]} (${dWant}), seed ${seed}`,
      ).toBeLessThan(1e-5 * dWant);
    }
    expect([got[0], got[1]]).toEqual([17, 300]);
    kernel.destroy();
    [fBuf, cBuf, out].forEach((b) => b.destroy());
  });
});
