/**
 * The claim verdicts (src/features/scaling-law/claims.mjs, shared with scripts/sweep-claims.mjs) on small
 * synthetic sweeps whose answer is known: leave-out values built so that the paired errors are exact.
 */
import { describe, expect, it } from 'vitest';
import {
  combine,
  difference,
  judgeClaims,
  type ClaimPoint,
  type ClaimSweep,
} from '../../src/features/scaling-law/claims.mjs';

const G = 10;
/**
 * A point whose FD leave-outs are fd + noise_q: `noise` shared between points of one model (same draws) cancels
 * in paired differences; `own` spreads this point's leave-outs (its paired error against a point with own 0 is
 * sqrt(9/10 x sum(own_q^2)) for zero-mean own).
 */
function pt(modelId: string, setting: string, fd: number, extra: Partial<ClaimPoint> = {}, own = 0): ClaimPoint {
  // Students share their teacher's draws (same seeds and classes), so their noise follows the teacher's.
  const noise = Array.from({ length: G }, (_, q) => 30 * Math.sin(q + modelId.replace(/-qat-.*/, '').length));
  const spread = Array.from({ length: G }, (_, q) => (q % 2 === 0 ? own : -own));
  return {
    modelId,
    family: modelId.includes('dit') ? 'dit' : 'var',
    depth: Number(/d(\d)/.exec(modelId)![1]),
    setting,
    method: 'rtn',
    weightBits: setting === 'fp32' ? 32 : Number(/W(\d)/.exec(setting)?.[1] ?? 4),
    activationBits: /-A4/.test(setting) ? 4 : 32,
    fd,
    fdStdErr: 50,
    fdLeaveOut: noise.map((n, q) => fd + n + spread[q]!),
    seed: 0,
    samples: 100,
    steps: modelId.includes('dit') ? 20 : 4,
    cfg: 1.5,
    ...extra,
  };
}

const sweep = (points: ClaimPoint[], formatVersion = 2): ClaimSweep => ({
  formatVersion,
  config: { samples: 100 },
  points,
});
const claim = (s: ClaimSweep, id: string) => judgeClaims(s).claims.find((c) => c.id === id)!;

describe('difference', () => {
  it('pairs points of one model (shared draws): the shared noise cancels; paired error = sqrt(9/10 * sum own^2)', () => {
    const a = pt('mnist-var-d1', 'W2g32', 60, {}, 1);
    const b = pt('mnist-var-d1', 'fp32', 50);
    const d = difference(a, b)!;
    expect(d.paired).toBe(true);
    expect(d.difference).toBe(10);
    expect(d.stdError).toBeCloseTo(Math.sqrt(0.9 * 10), 10); // 3.0
  });
  it('falls back to the independent bound without shared draws', () => {
    const d = difference(pt('mnist-var-d1', 'W2g32', 60, { seed: 5 }), pt('mnist-var-d1', 'fp32', 50))!;
    expect(d.paired).toBe(false);
    expect(d.stdError).toBeCloseTo(Math.hypot(50, 50), 10);
  });
});

describe('combine', () => {
  it('holds / fails / mixed / partly / inconclusive / not-measured', () => {
    expect(combine(['holds', 'inconclusive'])).toBe('holds');
    expect(combine(['fails'])).toBe('fails');
    expect(combine(['holds', 'fails'])).toBe('mixed');
    expect(combine(['partly', 'inconclusive'])).toBe('partly');
    expect(combine(['inconclusive'])).toBe('inconclusive');
    expect(combine([])).toBe('not-measured');
  });
});

describe('claim 1: VAR keeps quality better than DiT', () => {
  const fp = [pt('mnist-var-d3', 'fp32', 50), pt('mnist-dit-d4', 'fp32', 100), pt('mnist-var-d1', 'fp32', 60)];
  it('holds when the largest DiT loses 300 at W2 and the largest VAR 10 (errors 3)', () => {
    const c = claim(
      sweep([
        ...fp,
        pt('mnist-var-d3', 'W2g32', 60, {}, 1),
        pt('mnist-dit-d4', 'W2g32', 400, {}, 1),
        pt('mnist-var-d1', 'W2g32', 900),
      ]),
      'var-vs-dit',
    );
    expect(c.verdict).toBe('holds');
    expect(c.evidence[0]).toContain('var-d3 loses +10.0 ± 3.0p');
  });
  it('fails when DiT loses less', () => {
    expect(
      claim(
        sweep([...fp, pt('mnist-var-d3', 'W2g32', 200, {}, 1), pt('mnist-dit-d4', 'W2g32', 110, {}, 1)]),
        'var-vs-dit',
      ).verdict,
    ).toBe('fails');
  });
  it('is inconclusive when both losses are within their errors', () => {
    expect(
      claim(
        sweep([...fp, pt('mnist-var-d3', 'W4g32', 52, {}, 5), pt('mnist-dit-d4', 'W4g32', 103, {}, 5)]),
        'var-vs-dit',
      ).verdict,
    ).toBe('inconclusive');
  });
});

describe('claim 2: PTQ methods help little at very low bits', () => {
  const rows = [
    pt('mnist-dit-d4', 'fp32', 100),
    pt('mnist-dit-d4', 'W2g32', 400, {}, 1),
    pt('mnist-var-d3', 'fp32', 50),
    pt('mnist-var-d3', 'W2g32', 80, {}, 1),
  ];
  it('fails for a family where GPTQ recovers 80% of the loss significantly; holds where it changes nothing', () => {
    const c = claim(
      sweep([
        ...rows,
        pt('mnist-dit-d4', 'W2g32-gptq', 160, { method: 'gptq128' }, 1),
        pt('mnist-var-d3', 'W2g32-gptq', 79, { method: 'gptq128' }, 2),
      ]),
      'ptq-methods',
    );
    expect(c.perFamily).toEqual({ var: 'holds', dit: 'fails' });
    expect(c.verdict).toBe('mixed');
    expect(c.evidence.join('\n')).toContain('recovers 80%');
  });
  it('W8A8 SmoothQuant is not "very low bits" and is left out', () => {
    const c = claim(
      sweep([
        pt('mnist-var-d3', 'fp32', 50),
        pt('mnist-var-d3', 'W8c-A8', 50),
        pt('mnist-var-d3', 'W8c-A8-sq0.5', 10, { method: 'sq0.5', weightBits: 8, activationBits: 8 }, 1),
      ]),
      'ptq-methods',
    );
    expect(c.verdict).toBe('not-measured');
  });
});

describe('claim 3: distillation moves k bits to k+1', () => {
  const rows = [pt('mnist-var-d2', 'fp32', 50), pt('mnist-var-d2', 'W2g32', 150), pt('mnist-var-d2', 'W3g32', 60)];
  const student = (fd: number) => pt('mnist-var-d2-qat-w2g32-topkld', 'W2g32', fd, { method: 'qat-topkld' }, 1);
  it('holds for a student at the W3 RTN point', () =>
    expect(claim(sweep([...rows, student(61)]), 'distillation').verdict).toBe('holds'));
  it('partly for one better than W2 but short of W3', () =>
    expect(claim(sweep([...rows, student(100)]), 'distillation').verdict).toBe('partly'));
  it('fails for one no better than W2 RTN', () =>
    expect(claim(sweep([...rows, student(150)]), 'distillation').verdict).toBe('fails'));
});

describe('claim 4 and the file caveats', () => {
  it('per-step error is not measured by a sweep', () =>
    expect(claim(sweep([]), 'step-errors').verdict).toBe('not-measured'));
  it('a formatVersion 1 file says its errors came from class-aligned groups', () => {
    expect(judgeClaims(sweep([], 1)).caveats[0]).toMatch(/class-aligned/);
    expect(judgeClaims(sweep([], 2)).caveats.join(' ')).not.toMatch(/class-aligned/);
  });
});

describe('the shipped sweep', () => {
  it('formatVersion 1 file: verdicts as docs/sweep.md reads them, with the class-aligned caveat', async () => {
    const { readFileSync } = await import('node:fs');
    const file = JSON.parse(readFileSync('public/sweeps/mnist-sweep.json', 'utf8')) as ClaimSweep;
    if (file.formatVersion !== 1) return; // re-measured: the verdicts are whatever the new sweep says
    const r = judgeClaims(file);
    expect(r.caveats[0]).toMatch(/class-aligned/);
    const v = Object.fromEntries(r.claims.map((c) => [c.id, [c.verdict, c.perFamily]]));
    expect(v['var-vs-dit']![0]).toBe('holds'); // at W2g32: DiT d4 +336.6 +- 79.5 vs VAR d3 +21.4 +- 21.9
    expect(v['ptq-methods']![1]).toEqual({ var: 'holds', dit: 'mixed' }); // GPTQ recovers 82% on dit-d4 W2g32
    expect(v['distillation']![1]).toEqual({ var: 'inconclusive', dit: 'partly' });
    expect(v['step-errors']![0]).toBe('not-measured');
  });
});

describe('beyond the paper (issue 15 modifiers against the plain RTN frontier)', () => {
  // Transformer bits: what the frontier compares; -had adds none, -mp3 costs what W3g32 costs.
  const sized = (modelId: string, setting: string, fd: number, bits: number, own = 0) =>
    pt(modelId, setting, fd, { transformerBits: bits }, own);
  const points = [
    sized('mnist-var-d1', 'fp32', 50, 1000),
    sized('mnist-var-d1', 'W4g32', 80, 400),
    sized('mnist-var-d1', 'W3g32', 120, 300),
    sized('mnist-var-d1', 'W2g32', 600, 200),
    sized('mnist-var-d1', 'W4g32-A4', 150, 400),
    sized('mnist-var-d1', 'W4g32-A4-had', 100, 400, 1),
    sized('mnist-var-d1', 'W4g32-mp3', 100, 300, 1),
    sized('mnist-dit-d1', 'fp32', 50, 1000),
    sized('mnist-dit-d1', 'W3g32', 120, 300),
    sized('mnist-dit-d1', 'W4g32-mp3', 130, 300, 1),
  ];
  it('moves the frontier where a modifier beats the best plain point of its size and activations', () => {
    const c = claim(sweep(points), 'beyond-the-paper');
    expect(c.perFamily).toEqual({ var: 'holds', dit: 'fails' });
    expect(c.verdict).toBe('mixed');
    // -had at W4A4 is compared with W4g32-A4 (same activations), not with the A16 points that store as much.
    expect(c.evidence.find((e) => e.includes('W4g32-A4-had'))).toMatch(
      /vs without -had \+50\.0 ± 3\.0p; .*\(W4g32-A4, 0\.1 kB\) \+50\.0 ± 3\.0p \(moves the frontier\)/,
    );
    expect(c.evidence.find((e) => e.includes('var-d1 W4g32-mp3'))).toContain('(W3g32, 0.0 kB) +20.0 ± 3.0p');
    expect(c.evidence.find((e) => e.includes('dit-d1 W4g32-mp3'))).toContain('-10.0 ± 3.0p (behind the frontier)');
  });
  it('is not measured without modifier points', () => {
    expect(claim(sweep(points.filter((p) => !/-(had|mp)/.test(p.setting))), 'beyond-the-paper').verdict).toBe(
      'not-measured',
    );
  });
});
