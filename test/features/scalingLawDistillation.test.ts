import { describe, expect, it } from 'vitest';
import { distillationGroups } from '../../src/features/scaling-law/distillation';
import { qualityPoint } from './scalingLawFixtures';

describe('distillationGroups', () => {
  // RTN on the teacher bundles; QAT students are separate bundles of the same size (other modelIds).
  const rtn = (modelId: string, depth: number, setting: string, weightBits: number, fd: number, samples = 200) =>
    qualityPoint({ modelId, depth, setting, weightBits, fd, samples });
  const qat = (modelId: string, depth: number, method: string, fd: number, setting = 'W3g128', weightBits = 3) =>
    qualityPoint({ modelId, depth, setting, weightBits, method, fd });
  const points = [
    rtn('mnist-var-d3', 3, 'fp32', 32, 31.2),
    rtn('mnist-var-d3', 3, 'W4g128', 4, 33),
    rtn('mnist-var-d3', 3, 'W4g128', 4, 34, 50), // fewer samples: not the one compared against
    rtn('mnist-var-d3', 3, 'W3g128', 3, 41),
    rtn('mnist-var-d3', 3, 'W3c', 3, 60), // other granularity: not comparable
    rtn('mnist-var-d2', 2, 'W4g128', 4, 20), // other size: not comparable
    qat('mnist-var-d3-qat-topkld', 3, 'qat-topkld', 33.8),
    qat('mnist-var-d3-qat-fkl', 3, 'qat-fkl', 37),
    qat('mnist-var-d3-qat-task', 3, 'qat-task', 41),
    qat('mnist-var-d3-qat-rkl', 3, 'qat-rkl', 30),
    rtn('mnist-dit-d4', 4, 'Wfp4g32', 4, 150),
    rtn('mnist-dit-d4', 4, 'Wfp6e2m3g32', 6, 120),
    rtn('mnist-dit-d4', 4, 'W6g32', 6, 110), // INT: not the FP4 model's next step
    qat('mnist-dit-d4-qat-mse', 4, 'qat-mse', 135, 'Wfp4g32', 4),
    qualityPoint({
      modelId: 'mnist-dit-d4-qat-task',
      depth: 4,
      setting: 'Wfp4g32',
      weightBits: 4,
      method: 'qat-task',
      fd: 1,
      partial: true,
    }),
  ];

  it('pairs each method with RTN at the same bits and one more bit on the same model size', () => {
    const groups = distillationGroups(points);
    expect(groups.map((g) => [g.family, g.depth, g.precision])).toEqual([
      ['var', 3, 'W3'],
      ['dit', 4, 'FP4'],
    ]);
    const v = groups[0]!;
    expect(v.rtnSame?.fd).toBe(41);
    expect(v.rtnNext?.fd).toBe(33);
    expect(v.nextPrecision).toBe('W4');
    expect(v.oneMoreBit).toBe(true);
    // Task loss first, TopKLD last; gap closed = (RTN k - method) / (RTN k - RTN k+1) = (41 - fd) / 8.
    expect(v.methods.map((m) => m.label)).toEqual([
      'QAT (task loss)',
      'QAT + forward KL',
      'QAT + reverse KL',
      'TopKLD (our reconstruction)',
    ]);
    expect(v.methods.map((m) => m.gapClosed)).toEqual([0, 0.5, 11 / 8, (41 - 33.8) / 8]);
    // fdStdErr is 5 % of FD here: RTN W3 41 ± 2.05; beyond noise when |diff| > 2·hypot(se, 2.05).
    const noise = (fd: number) => 2 * Math.hypot(0.05 * fd, 0.05 * 41);
    expect(v.methods.map((m) => m.beyondNoise)).toEqual([
      0 > noise(41),
      4 > noise(37),
      11 > noise(30),
      7.2 > noise(33.8),
    ]);
    expect(v.methods.map((m) => m.beyondNoise)).toEqual([false, false, true, true]);
  });

  it('takes the next FP format up for FP weights and says it is more than one bit', () => {
    const d = distillationGroups(points)[1]!;
    expect(d.nextPrecision).toBe('FP6e2m3');
    expect(d.oneMoreBit).toBe(false);
    // The partial qat-task point is not a result yet.
    expect(d.methods.map((m) => [m.method, m.gapClosed])).toEqual([['qat-mse', 0.5]]);
  });

  it('leaves the gap undefined without both RTN points or when RTN k is already as good', () => {
    const noNext = distillationGroups([
      rtn('mnist-var-d1', 1, 'W2g128', 2, 90),
      qat('s', 1, 'qat-fkl', 70, 'W2g128', 2),
    ]);
    expect(noNext[0]!.rtnNext).toBeUndefined();
    expect(noNext[0]!.methods[0]!.gapClosed).toBeUndefined();
    const noGap = distillationGroups([
      rtn('m', 1, 'W3g128', 3, 40),
      rtn('m', 1, 'W4g128', 4, 41),
      qat('s', 1, 'qat-fkl', 39),
    ]);
    expect(noGap[0]!.methods[0]!.gapClosed).toBeUndefined();
    expect(distillationGroups(points.filter((p) => !p.method.startsWith('qat-')))).toEqual([]);
  });
});
