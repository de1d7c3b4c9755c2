/** The error-trace math of the generation service, against values computed by hand. */
import { describe, expect, it } from 'vitest';
import {
  ditStepErrors,
  guidedEps,
  normalisedStep,
  snappedFeatures,
  tokenAgreement,
  varStepErrors,
  type VarStepState,
} from '../../src/engine/generation/stepErrors';
import { GenerationError } from '../../src/engine/generation/errors';

const f32 = (...v: number[]) => Float32Array.from(v);

describe('step error math', () => {
  it('normalises steps to (step + 1) / steps and rejects out-of-range steps', () => {
    expect([0, 1, 2, 3].map((s) => normalisedStep(s, 4))).toEqual([0.25, 0.5, 0.75, 1]);
    expect(normalisedStep(0, 1)).toBe(1);
    expect(() => normalisedStep(4, 4)).toThrow(GenerationError);
    expect(() => normalisedStep(0, 0)).toThrow(GenerationError);
  });

  it('token agreement is the fraction of equal positions', () => {
    expect(tokenAgreement([1, 2, 3, 4], [1, 0, 3, 0])).toBe(0.5);
    expect(tokenAgreement(Uint32Array.of(7), Uint32Array.of(7))).toBe(1);
    expect(() => tokenAgreement([1], [1, 2])).toThrow(/cannot be compared/);
  });

  it('snapped features are the codebook rows of the tokens', () => {
    const codebook = f32(0, 1, 10, 11, 20, 21); // 3 codes x 2 channels
    expect(Array.from(snappedFeatures([2, 0, 2], codebook, 2))).toEqual([20, 21, 0, 1, 20, 21]);
    expect(() => snappedFeatures([3], codebook, 2)).toThrow(/outside the codebook of 3 codes/);
  });

  it('guided eps mixes the first Cin channels of cond and uncond rows', () => {
    // latentElements 2: cond row = [eps 1, 2 | v 9, 9], uncond row = [eps 3, 1 | v 8, 8]; cfg 2:
    // eps = uncond + 2 (cond - uncond) = [3 + 2(1-3), 1 + 2(2-1)] = [-1, 3].
    expect(Array.from(guidedEps(f32(1, 2, 9, 9, 3, 1, 8, 8), 2, 2))).toEqual([-1, 3]);
    expect(() => guidedEps(f32(1, 2, 3), 2, 1)).toThrow(GenerationError);
  });

  it('VAR step errors: f_hat, agreement, soft and snapped relative L2', () => {
    const codebook = f32(1, 0, 0, 1, 3, 4); // codes: (1,0), (0,1), (3,4)
    const ref: VarStepState[] = [
      { patchNum: 1, tokens: [0], fHat: f32(3, 4), soft: f32(1, 0) },
      { patchNum: 2, tokens: [0, 1, 2, 2], fHat: f32(6, 8), soft: f32(1, 0, 0, 1, 3, 4, 3, 4) },
    ];
    const run: VarStepState[] = [
      // same tokens, f_hat off by (0, 1) -> 1/5; soft off by (0, 0.5) -> 0.5
      { patchNum: 1, tokens: [0], fHat: f32(3, 5), soft: f32(1, 0.5) },
      // one token of four differs (code 2 instead of 1): snapped diff (3, 3) over norm sqrt(1+1+25+25)
      { patchNum: 2, tokens: [0, 2, 2, 2], fHat: f32(6, 8), soft: f32(1, 0, 0, 1, 3, 4, 3, 4) },
    ];
    const e = varStepErrors(run, ref, codebook, 2);
    expect(e[0]).toEqual({
      kind: 'var',
      step: 0,
      progress: 0.5,
      patchNum: 1,
      fHatRelL2: 0.2,
      tokenAgreement: 1,
      softRelL2: 0.5,
      snappedRelL2: 0,
    });
    expect(e[1].progress).toBe(1);
    expect(e[1].tokenAgreement).toBe(0.75);
    expect(e[1].fHatRelL2).toBe(0);
    expect(e[1].softRelL2).toBe(0);
    expect(e[1].snappedRelL2).toBeCloseTo(Math.sqrt(18 / 52), 12);
    expect(() => varStepErrors(run.slice(0, 1), ref, codebook, 2)).toThrow(/cannot be compared/);
  });

  it('DiT step errors: latent after the step and one-step eps, timesteps from the reference', () => {
    const ref = [
      { timestep: 999, xNext: f32(0, 2), eps: f32(1, 1) },
      { timestep: 0, xNext: f32(3, 4), eps: f32(2, 0) },
    ];
    const run = [
      { timestep: 999, xNext: f32(0, 2), eps: f32(1, 2) }, // eps diff 1 over sqrt 2
      { timestep: 0, xNext: f32(3, 3), eps: f32(2, 0) }, // x diff 1 over 5
    ];
    const e = ditStepErrors(run, ref);
    expect(e[0]).toEqual({ kind: 'dit', step: 0, progress: 0.5, timestep: 999, xRelL2: 0, epsRelL2: Math.SQRT1_2 });
    expect(e[1]).toMatchObject({ step: 1, progress: 1, timestep: 0, epsRelL2: 0 });
    expect(e[1].xRelL2).toBeCloseTo(0.2, 7);
  });
});
