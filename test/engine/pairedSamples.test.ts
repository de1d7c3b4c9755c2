/** Estimators of the live point's paired per-sample metrics (src/engine/quality/pairedSamples.ts) on known answers. */
import { describe, expect, it } from 'vitest';
import {
  meanWithStdError,
  PairedSampleAccumulator,
  psnrWithJackknife,
  tokenAgreement,
} from '../../src/engine/quality/pairedSamples';

describe('meanWithStdError', () => {
  it('label agreement 3 of 4: mean 0.75, se = sqrt(p(1-p)/(n-1)) = 0.25', () => {
    const e = meanWithStdError([1, 1, 0, 1]);
    expect(e.value).toBe(0.75);
    expect(e.stdError).toBeCloseTo(Math.sqrt((0.75 * 0.25) / 3), 12);
    expect(e.stdError).toBeCloseTo(0.25, 12);
  });
  it('constant values have no error; one value has none defined', () => {
    expect(meanWithStdError([0.5, 0.5, 0.5])).toEqual({ value: 0.5, stdError: 0, samples: 3 });
    expect(meanWithStdError([1]).stdError).toBeNaN();
  });
  it('covers the true mean at about the nominal rate (Bernoulli 0.9, n = 40, 2000 repeats)', () => {
    let s = 12345;
    const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
    let inside = 0;
    for (let r = 0; r < 2000; r++) {
      const e = meanWithStdError(Array.from({ length: 40 }, () => (rand() < 0.9 ? 1 : 0)));
      if (Math.abs(e.value - 0.9) <= 1.96 * e.stdError) inside++;
    }
    expect(inside / 2000).toBeGreaterThan(0.88);
    expect(inside / 2000).toBeLessThan(0.99);
  });
});

describe('psnrWithJackknife', () => {
  it('equal MSEs: PSNR = 10 log10(4 / mse), error 0', () => {
    const e = psnrWithJackknife(new Array(20).fill(0.01));
    expect(e.value).toBeCloseTo(10 * Math.log10(4 / 0.01), 12); // 26.02 dB
    expect(e.stdError).toBeCloseTo(0, 12);
  });
  it('identical images: infinite PSNR with error 0', () => {
    expect(psnrWithJackknife(new Array(30).fill(0))).toEqual({ value: Infinity, stdError: 0, samples: 30 });
  });
  it('two rounds-groups by hand: 20 samples, 2 groups (rounds 0-9, 10-19) of MSE 0.01 and 0.04', () => {
    const mse = [...new Array(10).fill(0.01), ...new Array(10).fill(0.04)];
    const e = psnrWithJackknife(mse);
    expect(e.value).toBeCloseTo(10 * Math.log10(4 / 0.025), 12);
    // leave-outs: 10 log10(4/0.04) = 20 and 10 log10(4/0.01) = 26.0206; se = sqrt(1/2 x 2 x (d/2)^2) = d/2
    const d = 10 * Math.log10(4 / 0.01) - 20;
    expect(e.stdError).toBeCloseTo(d / 2, 10);
  });
});

describe('tokenAgreement and the accumulator', () => {
  it('fraction of equal tokens', () => {
    expect(tokenAgreement([1, 2, 3, 4], [1, 2, 0, 4])).toBe(0.75);
    expect(() => tokenAgreement([1], [1, 2])).toThrow();
  });
  it('estimates only the metrics every sample has', () => {
    const acc = new PairedSampleAccumulator();
    for (let i = 0; i < 20; i++) acc.add({ mse: 0.01, labelAgrees: i !== 3, tokenAgreement: 1 });
    const m = acc.estimate();
    expect(m.samples).toBe(20);
    expect(m.psnr!.value).toBeCloseTo(26.0206, 4);
    expect(m.labelAgreement!.value).toBe(0.95);
    expect(m.tokenAgreement).toEqual({ value: 1, stdError: 0, samples: 20 });
    const noImages = new PairedSampleAccumulator();
    noImages.add({ tokenAgreement: 0.5 });
    expect(noImages.estimate().psnr).toBeUndefined();
  });
});
