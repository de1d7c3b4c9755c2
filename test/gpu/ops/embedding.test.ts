import { describe, expect, it } from 'vitest';
import { AddPositionKernel } from '../../../src/kernels/ops/addPositionKernel';
import { GatherRowsKernel } from '../../../src/kernels/ops/gatherRowsKernel';
import { PatchifyKernel, UnpatchifyKernel } from '../../../src/kernels/ops/patchifyKernels';
import { TimestepEmbeddingKernel } from '../../../src/kernels/ops/timestepEmbeddingKernel';
import { tokenLevels } from '../../../src/ops/attention';
import { addPositionRef, gatherRowsRef, timestepEmbeddingRef } from '../../../src/ops/embedding';
import { patchifyRef, unpatchifyRef } from '../../../src/ops/patchify';
import { Rng } from '../../../src/util/random';
import { testDevice } from '../device';
import { expectClose, freshSeed, uniformArray } from '../../ops/closeness';
import { torchReference } from '../../ops/fixtures/torchReference';
import { outputBuffer, readF32, uploadF32, uploadU32 } from './gpuArrays';

describe('embedding kernels', () => {
  it('gathers class rows (CFG batch with the null class)', async () => {
    const device = await testDevice();
    const seed = freshSeed();
    const rng = new Rng(seed);
    const [rows, C] = [11, 70];
    const table = uniformArray(() => rng.next(), rows * C);
    const indices = [3, 7, 10, 10, 0];
    const kernel = new GatherRowsKernel(device);
    const [t, i, out] = [
      uploadF32(device, 'table', table),
      uploadU32(device, 'indices', indices),
      outputBuffer(device, 'out', indices.length * C),
    ];
    await kernel.run({ indices: i, table: t, out, count: indices.length, tableRows: rows, channels: C });
    expect(Array.from(await readF32(device, out, indices.length * C)), `seed ${seed}`).toEqual(
      Array.from(gatherRowsRef(table, indices, C)),
    );
    kernel.destroy();
    [t, i, out].forEach((b) => b.destroy());
  });

  it('adds VAR position + level rows for scale 2, and builds the first token from class + pos_start', async () => {
    const device = await testDevice();
    const seed = freshSeed();
    const rng = new Rng(seed);
    const levels = tokenLevels([1, 2, 3, 4]);
    const [B, C, L] = [2, 36, levels.length];
    const pos = uniformArray(() => rng.next(), L * C);
    const lvl = uniformArray(() => rng.next(), 4 * C);
    const posStart = uniformArray(() => rng.next(), C);
    const cls = uniformArray(() => rng.next(), B * C);
    const [offset, tokens] = [5, 9];
    const x = uniformArray(() => rng.next(), B * tokens * C);
    const kernel = new AddPositionKernel(device);
    const buf = {
      pos: uploadF32(device, 'pos', pos),
      lvl: uploadF32(device, 'lvl', lvl),
      levels: uploadU32(device, 'levels', levels),
      posStart: uploadF32(device, 'posStart', posStart),
      cls: uploadF32(device, 'cls', cls),
      x: uploadF32(device, 'x', x),
      first: outputBuffer(device, 'first', B * C),
    };
    const level = { table: buf.lvl, levelRows: 4, levels: buf.levels };
    const encoder = device.createCommandEncoder();
    kernel.encode(encoder, { x: buf.x, batch: B, tokens, channels: C, posOffset: offset, pos: buf.pos, level });
    kernel.encode(encoder, {
      x: buf.first,
      batch: B,
      tokens: 1,
      channels: C,
      accumulate: false,
      pos: buf.posStart,
      perSample: buf.cls,
    });
    kernel.encode(encoder, { x: buf.first, batch: B, tokens: 1, channels: C, pos: buf.pos, level });
    device.queue.submit([encoder.finish()]);
    const tol = { atol: 1e-6, rtol: 1e-6 };
    const want = addPositionRef({ x, batch: B, tokens, channels: C, posOffset: offset, pos, levelTable: lvl, levels });
    expectClose(await readF32(device, buf.x, B * tokens * C), want, tol, `scale 2 seed ${seed}`);
    const sos = addPositionRef({ batch: B, tokens: 1, channels: C, posOffset: 0, pos: posStart, perSample: cls });
    const first = addPositionRef({
      x: sos,
      batch: B,
      tokens: 1,
      channels: C,
      posOffset: 0,
      pos,
      levelTable: lvl,
      levels,
    });
    expectClose(await readF32(device, buf.first, B * C), first, tol, `first token seed ${seed}`);
    kernel.destroy();
    Object.values(buf).forEach((b) => b.destroy());
  });

  it('timestep embedding matches PyTorch and the f64 reference for t in 0..999', async () => {
    const device = await testDevice();
    const f = torchReference().timestep;
    const seed = freshSeed();
    const rng = new Rng(seed);
    const t = [...f.t, ...Array.from({ length: 10 }, () => Math.floor(rng.next() * 1000))];
    const kernel = new TimestepEmbeddingKernel(device);
    const [tBuf, out] = [uploadF32(device, 't', t), outputBuffer(device, 'emb', t.length * 256)];
    await kernel.run({ t: tBuf, out, batch: t.length });
    const got = await readF32(device, out, t.length * 256);
    // Range reduction + polynomial in f32: a few ulp of 1 against the reference (same f32 arguments). PyTorch's
    // own f32 exp puts some frequencies 1 ulp away (see test/ops/embeddingPatchify.test.ts): up to ~1.2e-4 at t = 999.
    expectClose(got.subarray(0, f.emb.length), f.emb, { atol: 1.3e-4, rtol: 0 }, 'against PyTorch');
    expectClose(got, timestepEmbeddingRef(t, 256), { atol: 1e-6, rtol: 0 }, `against the reference, seed ${seed}`);
    kernel.destroy();
    [tBuf, out].forEach((b) => b.destroy());
  });
});

describe('patch kernels', () => {
  it('patchify and unpatchify permute exactly like the references (non-square, p = 2 and 3)', async () => {
    const device = await testDevice();
    const seed = freshSeed();
    const rng = new Rng(seed);
    const patchify = new PatchifyKernel(device);
    const unpatchify = new UnpatchifyKernel(device);
    for (const [B, C, H, W, p] of [
      [2, 4, 8, 8, 2],
      [1, 3, 6, 12, 3],
    ]) {
      const n = B * C * H * W;
      const x = uniformArray(() => rng.next(), n);
      const [src, tokens, image] = [
        uploadF32(device, 'image', x),
        outputBuffer(device, 'tokens', n),
        outputBuffer(device, 'back', n),
      ];
      const encoder = device.createCommandEncoder();
      patchify.encode(encoder, { src, dst: tokens, batch: B, channels: C, height: H, width: W, patch: p });
      unpatchify.encode(encoder, { src: tokens, dst: image, batch: B, channels: C, height: H, width: W, patch: p });
      device.queue.submit([encoder.finish()]);
      const gotTokens = await readF32(device, tokens, n);
      expect(Array.from(gotTokens), `patchify ${[B, C, H, W, p]} seed ${seed}`).toEqual(
        Array.from(patchifyRef(x, B, C, H, W, p)),
      );
      expect(Array.from(await readF32(device, image, n)), `unpatchify ${[B, C, H, W, p]}`).toEqual(
        Array.from(unpatchifyRef(gotTokens, B, C, H, W, p)),
      );
      [src, tokens, image].forEach((b) => b.destroy());
    }
    patchify.destroy();
    unpatchify.destroy();
  });
});
