import { describe, expect, it } from 'vitest';
import type { ComparedRun, DitStepError, VarStepError } from '../../../src/worker/protocol';
import { growth, stepValue, tokensKept, traceSeries } from '../../../src/features/playground/traces';
import { diffPixels, greyPixels, meanAbsDiff } from '../../../src/features/playground/imagePixels';

const rand = () => Math.random();

describe('playground traces and pixels', () => {
  it('maps each measure to the engine field of each family', () => {
    const v: VarStepError = {
      kind: 'var',
      step: 0,
      progress: 0.25,
      patchNum: 1,
      fHatRelL2: rand(),
      tokenAgreement: rand(),
      softRelL2: rand(),
      snappedRelL2: rand(),
    };
    const d: DitStepError = { kind: 'dit', step: 0, progress: 0.02, timestep: 999, xRelL2: rand(), epsRelL2: rand() };
    expect([
      stepValue(v, 'state'),
      stepValue(v, 'prediction'),
      stepValue(v, 'snapped'),
      stepValue(v, 'tokens'),
    ]).toEqual([v.fHatRelL2, v.softRelL2, v.snappedRelL2, 1 - v.tokenAgreement]);
    expect([
      stepValue(d, 'state'),
      stepValue(d, 'prediction'),
      stepValue(d, 'snapped'),
      stepValue(d, 'tokens'),
    ]).toEqual([d.xRelL2, d.epsRelL2, undefined, undefined]);
  });

  it('builds series on the progress axis, dropping non-finite values, and measures growth', () => {
    const steps: DitStepError[] = [0.1, Number.NaN, 0.4].map((x, i) => ({
      kind: 'dit',
      step: i,
      progress: (i + 1) / 3,
      timestep: 999 - i,
      xRelL2: x,
      epsRelL2: 0.2,
    }));
    const s = traceSeries('dit', { steps } as unknown as ComparedRun, 'state')!;
    expect(s.points.map((p) => p.progress)).toEqual([1 / 3, 1]);
    expect(growth(s)).toBeCloseTo(4);
    expect(traceSeries('dit', { steps } as unknown as ComparedRun, 'tokens')).toBeUndefined();
  });

  it('counts the tokens equal to fp32 over all scales, weighting each scale by its pn^2 tokens; none for DiT', () => {
    const patchNums = [1, 2, 3, 4];
    const agreeing = patchNums.map((pn) => Math.floor(rand() * (pn * pn + 1)));
    const steps: VarStepError[] = patchNums.map((pn, k) => ({
      kind: 'var',
      step: k,
      progress: (k + 1) / 4,
      patchNum: pn,
      fHatRelL2: rand(),
      tokenAgreement: agreeing[k] / (pn * pn),
      softRelL2: rand(),
      snappedRelL2: rand(),
    }));
    expect(tokensKept(steps)).toEqual({ same: agreeing.reduce((a, b) => a + b, 0), total: 30 });
    const dit: DitStepError[] = [
      { kind: 'dit', step: 0, progress: 1, timestep: 999, xRelL2: rand(), epsRelL2: rand() },
    ];
    expect(tokensKept(dit)).toBeUndefined();
    expect(tokensKept([])).toBeUndefined();
  });

  it('draws grey levels from [-1, 1] and heat from |difference| on a fixed scale', () => {
    const n = 4;
    const img = Float32Array.from({ length: n * n }, () => rand() * 2 - 1);
    const grey = greyPixels(img, n);
    for (let i = 0; i < n * n; i++) expect(grey[i * 4]).toBe(Math.round(((img[i] + 1) / 2) * 255));
    const same = diffPixels(img, img, n);
    expect(Array.from(same.slice(0, 4))).toEqual([255, 255, 255, 255]);
    const far = diffPixels(
      Float32Array.from(img, () => 1),
      Float32Array.from(img, () => -1),
      n,
    );
    expect(Array.from(far.slice(0, 3))).toEqual([110, 10, 10]);
    expect(
      meanAbsDiff(
        Float32Array.from(img, () => 1),
        Float32Array.from(img, () => -1),
      ),
    ).toBe(1);
  });
});
