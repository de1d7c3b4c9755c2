import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AGREEMENT_SIGMAS,
  checkEngineAgreement,
  type AgreementPoint,
} from '../../src/features/scaling-law/engineAgreement.mjs';

type Row = AgreementPoint & { engine: 'webgpu' | 'pytorch' };

function row(engine: Row['engine'], modelId: string, setting: string, fd: number, extra: Partial<Row> = {}): Row {
  const dit = modelId.includes('dit');
  return {
    modelId,
    family: dit ? 'dit' : 'var',
    setting,
    method: 'rtn',
    samples: 2000,
    cfg: dit ? 3 : 1.5,
    ...(dit ? { steps: 50, sampler: 'ddpm' } : { steps: 4 }),
    engine,
    fd,
    fdStdErr: 2,
    kid: 0.01,
    kidSe: 0.002,
    ...extra,
  };
}

/** Three (model, setting) points measured by both engines, within one error of each other. */
function agreeingFile(): { points: Row[] } {
  return {
    points: [
      row('webgpu', 'mnist-var-d1', 'fp32', 30),
      row('webgpu', 'mnist-var-d1', 'W4g32', 32),
      row('webgpu', 'mnist-dit-d2', 'W4g32', 110),
      row('webgpu', 'mnist-dit-d2', 'W2g32', 400), // WebGPU only: no pair
      row('pytorch', 'mnist-var-d1', 'fp32', 31.5),
      row('pytorch', 'mnist-var-d1', 'W4g32', 30),
      row('pytorch', 'mnist-dit-d2', 'W4g32', 112.5, { kid: 0.0125 }),
    ],
  };
}

describe('two engines agree within their errors', () => {
  it('passes on three doubly-measured points that agree', () => {
    const r = checkEngineAgreement(agreeingFile());
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.pairs.map((p) => `${p.modelId} ${p.setting}`)).toEqual([
      'mnist-var-d1 fp32',
      'mnist-var-d1 W4g32',
      'mnist-dit-d2 W4g32',
    ]);
    // Independent errors: sqrt(2^2 + 2^2) for FD; both metrics compared.
    const dit = r.pairs[2];
    expect(dit.metrics.map((m) => m.metric)).toEqual(['fd', 'kid']);
    expect(dit.metrics[0].stdError).toBeCloseTo(Math.SQRT2 * 2, 12);
    expect(dit.metrics[0].z).toBeCloseTo(2.5 / (Math.SQRT2 * 2), 12);
  });

  it('fails when one pair is shifted by more than three errors, and names it', () => {
    const file = agreeingFile();
    const shift = AGREEMENT_SIGMAS * Math.SQRT2 * 2 + 0.5; // just past 3 errors of the difference
    file.points[5] = row('pytorch', 'mnist-var-d1', 'W4g32', 32 + shift);
    const r = checkEngineAgreement(file);
    expect(r.ok).toBe(false);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/^mnist-var-d1 W4g32 \(N = 2000\): FD .* is 3\.2 errors \(more than 3\)$/);
    // Just inside 3 errors still agrees.
    file.points[5] = row('pytorch', 'mnist-var-d1', 'W4g32', 32 + shift - 1);
    expect(checkEngineAgreement(file).ok).toBe(true);
  });

  it('checks KID too when both points have it', () => {
    const file = agreeingFile();
    file.points[6] = row('pytorch', 'mnist-dit-d2', 'W4g32', 110, { kid: 0.03 });
    const r = checkEngineAgreement(file);
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toContain('mnist-dit-d2 W4g32 (N = 2000): KID');
    // A point without KID is compared on FD alone.
    file.points[6] = row('pytorch', 'mnist-dit-d2', 'W4g32', 110, { kid: undefined, kidSe: undefined });
    const again = checkEngineAgreement(file);
    expect(again.ok).toBe(true);
    expect(again.pairs[2].metrics.map((m) => m.metric)).toEqual(['fd']);
  });

  it('fails with fewer than three pairs, saying how to make more', () => {
    const file = agreeingFile();
    file.points.pop();
    const r = checkEngineAgreement(file);
    expect(r.ok).toBe(false);
    expect(r.pairs).toHaveLength(2);
    expect(r.problems).toEqual([
      expect.stringMatching(/^only 2 points measured by both engines \(at least 3 needed\)/),
    ]);
  });

  it('pairs only the same measurement: another N, cfg, DiT step count or method is not a pair', () => {
    for (const extra of [{ samples: 1000 }, { cfg: 4 }, { steps: 20 }, { method: 'clip' }]) {
      const file = agreeingFile();
      file.points[6] = row('pytorch', 'mnist-dit-d2', 'W4g32', 112.5, extra);
      const r = checkEngineAgreement(file);
      expect(r.pairs.map((p) => p.modelId + ' ' + p.setting)).not.toContain('mnist-dit-d2 W4g32');
      expect(r.ok).toBe(false); // two pairs left
    }
    // VAR has no sampling steps to compare: the WebGPU engine's 4 and the PyTorch file's absent field still pair.
    const file = agreeingFile();
    file.points[4] = row('pytorch', 'mnist-var-d1', 'fp32', 31.5, { steps: undefined });
    expect(checkEngineAgreement(file).ok).toBe(true);
  });
});

// The shipped file: checked once it is formatVersion 2 with points of both engines.
const shipped = JSON.parse(readFileSync('public/sweeps/mnist-sweep.json', 'utf8')) as {
  formatVersion: number;
  points: AgreementPoint[];
};
describe('the shipped sweep', () => {
  it.skipIf(shipped.formatVersion !== 2)(
    shipped.formatVersion === 2
      ? 'holds at least three points measured by both engines, and they agree'
      : `two-engine agreement: skipped, public/sweeps/mnist-sweep.json is formatVersion ${shipped.formatVersion} (measured by the WebGPU engine alone, before points said which engine measured them); it is re-measured on the new model zoo`,
    () => {
      const r = checkEngineAgreement(shipped);
      expect(r.problems).toEqual([]);
    },
  );
});
