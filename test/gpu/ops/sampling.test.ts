import { describe, expect, it } from 'vitest';
import { CfgCombineKernel, ditEpsCfgLayout, varLogitsCfgLayout } from '../../../src/kernels/ops/cfgCombineKernel';
import { SampleTokensKernel } from '../../../src/kernels/ops/sampleTokensKernel';
import { ditCfgRef, filterTopKTopP, gumbel, sampleTokensRef, varCfgRef } from '../../../src/ops/sampling';
import { Rng } from '../../../src/util/random';
import { testDevice } from '../device';
import { expectClose, freshSeed, uniformArray } from '../../ops/closeness';
import { torchReference } from '../../ops/fixtures/torchReference';
import { outputBuffer, readF32, readU32, uploadF32 } from './gpuArrays';

// One kernel for the file: its pipeline compiles once (slow on SwiftShader).
let shared: SampleTokensKernel | undefined;

async function sampleOnGpu(
  device: GPUDevice,
  logits: ArrayLike<number>,
  u: ArrayLike<number>,
  rows: number,
  vocab: number,
  topK: number,
  topP: number,
): Promise<Uint32Array> {
  const kernel = (shared ??= new SampleTokensKernel(device));
  const [l, ub, out] = [
    uploadF32(device, 'logits', logits),
    uploadF32(device, 'uniforms', u),
    outputBuffer(device, 'tokens', rows),
  ];
  await kernel.run({ logits: l, uniforms: ub, tokens: out, rows, vocab, topK, topP });
  const tokens = await readU32(device, out, rows);
  [l, ub, out].forEach((b) => b.destroy());
  return tokens;
}

describe('SampleTokensKernel', () => {
  it('replays the draws PyTorch recorded (training/var_sampling.py) for every filter setting', async () => {
    const device = await testDevice();
    const s = torchReference().sampling;
    for (const c of s.cases) {
      expect(
        Array.from(await sampleOnGpu(device, s.logits, s.u, s.rows, s.vocab, c.topK, c.topP)),
        `topK ${c.topK} topP ${c.topP}`,
      ).toEqual(c.tokens);
    }
    for (const c of s.tieCases) {
      expect(
        Array.from(await sampleOnGpu(device, s.tieLogits, s.tieU, s.tieRows, s.vocab, c.topK, c.topP)),
        `ties topK ${c.topK}`,
      ).toEqual(c.tokens);
    }
  });

  for (const [topK, topP] of [
    [0, 0],
    [50, 0],
    [0, 0.9],
    [900, 0.96],
  ]) {
    it(`matches the reference on random logits, vocab 1000 (topK ${topK}, topP ${topP})`, async () => {
      const device = await testDevice();
      const seed = freshSeed();
      const rng = new Rng(seed);
      const [rows, vocab] = [40, 1000];
      const logits = uniformArray(() => rng.next(), rows * vocab, -4, 4);
      const u = uniformArray(() => rng.next(), rows * vocab, 0, 1);
      const got = await sampleOnGpu(device, logits, u, rows, vocab, topK, topP);
      const want = sampleTokensRef(logits, u, rows, vocab, topK, topP);
      // f32 scores (and f32 sums for top-p) in another order than the f64 reference may flip a draw only when two
      // scores lie within rounding of each other, or a probability within rounding of the top-p cut.
      let nearBoundary = 0;
      for (let r = 0; r < rows; r++) {
        if (got[r] === want[r]) continue;
        const row = logits.subarray(r * vocab, (r + 1) * vocab);
        const ur = u.subarray(r * vocab, (r + 1) * vocab);
        const filtered = filterTopKTopP(row, topK, topP);
        const score = (i: number) => filtered[i] + gumbel(ur[i]);
        const tiedScores =
          filtered[got[r]] > -Infinity &&
          Math.abs(score(got[r]) - score(want[r])) <= 1e-5 * (1 + Math.abs(score(want[r])));
        const atTopPCut = [topP - 2e-6, topP + 2e-6].some(
          (pp) => sampleTokensRef(row, ur, 1, vocab, topK, pp)[0] === got[r],
        );
        expect(
          tiedScores || atTopPCut,
          `row ${r}: GPU token ${got[r]}, reference ${want[r]}, not a rounding boundary (seed ${seed})`,
        ).toBe(true);
        nearBoundary++;
      }
      expect(nearBoundary, `seed ${seed}`).toBeLessThanOrEqual(1);
    });
  }
});

describe('CfgCombineKernel', () => {
  it('VAR logits: (1+t) cond - t uncond, and DiT eps: uncond + s (cond - uncond) read from the model output', async () => {
    const device = await testDevice();
    const seed = freshSeed();
    const rng = new Rng(seed);
    const kernel = new CfgCombineKernel(device);
    // VAR: logits [2B*L, V].
    const [B, L, V] = [2, 9, 130];
    const logits = uniformArray(() => rng.next(), 2 * B * L * V, -5, 5);
    const half = B * L * V;
    const varOut = outputBuffer(device, 'varOut', half);
    const logitsBuf = uploadF32(device, 'logits', logits);
    await kernel.run({ formula: 'var', weight: 0.75, src: logitsBuf, dst: varOut, ...varLogitsCfgLayout(B, L, V) });
    expectClose(
      await readF32(device, varOut, half),
      varCfgRef(logits.subarray(0, half), logits.subarray(half), 0.75),
      { atol: 1e-6, rtol: 1e-6 },
      `VAR CFG seed ${seed}`,
    );
    // DiT: model output [2B, 2C, H, W]; guided eps [B, C, H, W].
    const [C, H] = [4, 8];
    const out = uniformArray(() => rng.next(), 2 * B * 2 * C * H * H, -3, 3);
    const eps = C * H * H;
    const cond: number[] = [];
    const uncond: number[] = [];
    for (let b = 0; b < B; b++) {
      cond.push(...out.subarray(b * 2 * eps, b * 2 * eps + eps));
      uncond.push(...out.subarray((B + b) * 2 * eps, (B + b) * 2 * eps + eps));
    }
    const outBuf = uploadF32(device, 'modelOut', out);
    const ditOut = outputBuffer(device, 'ditOut', B * eps);
    await kernel.run({ formula: 'dit', weight: 4, src: outBuf, dst: ditOut, ...ditEpsCfgLayout(B, C, H, H) });
    expectClose(
      await readF32(device, ditOut, B * eps),
      ditCfgRef(cond, uncond, 4),
      { atol: 1e-6, rtol: 1e-6 },
      `DiT CFG seed ${seed}`,
    );
    kernel.destroy();
    [varOut, logitsBuf, outBuf, ditOut].forEach((b) => b.destroy());
  });
});
