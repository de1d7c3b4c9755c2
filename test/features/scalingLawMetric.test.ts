/** The metric selector's logic (src/features/scaling-law/metric.ts) and the series/differences it drives. */
import { describe, expect, it } from 'vitest';
import { chooseMetric, floorBand, formatMetric, metricValue, yScaleFor } from '../../src/features/scaling-law/metric';
import { metricDifference } from '../../src/features/scaling-law/fdDifference';
import { buildSeries } from '../../src/features/scaling-law/series';
import { paretoFrontier } from '../../src/features/scaling-law/pareto';
import { pairedDifference } from '../../src/metrics';
import { qualityPoint } from './scalingLawFixtures';

const old = qualityPoint({ modelId: 'mnist-var-d1', setting: 'fp32', weightBits: 32, fd: 50 });
const withKid = (setting: string, weightBits: number, fd: number, kid: number) =>
  qualityPoint({
    modelId: 'mnist-var-d2',
    depth: 2,
    setting,
    weightBits,
    fd,
    kid,
    kidSe: kid / 10,
    seed: 0,
    fdLeaveOut: [fd, fd + 1, fd - 1],
    kidLeaveOut: [kid, kid * 1.1, kid * 0.95],
  });

describe('metric selector', () => {
  it('reads FD or KID with its error and leave-outs; KID is absent on old points', () => {
    const p = withKid('W4g32', 4, 40, 0.02);
    expect(metricValue(p, 'fd')).toEqual({ value: 40, stdError: 2, leaveOut: [40, 41, 39] });
    expect(metricValue(p, 'kid')).toEqual({ value: 0.02, stdError: 0.002, leaveOut: p.kidLeaveOut });
    expect(metricValue(old, 'kid')).toBeUndefined();
    expect(metricValue({ ...old, fd: Number.NaN }, 'fd')).toBeUndefined();
  });

  it('keeps the wanted metric when some point has it, else falls back to FD with a notice', () => {
    const both = chooseMetric('kid', [old, withKid('W4g32', 4, 40, 0.02)]);
    expect(both).toEqual({ metric: 'kid', available: { fd: true, kid: true } });
    const onlyOld = chooseMetric('kid', [old]);
    expect(onlyOld.metric).toBe('fd');
    expect(onlyOld.available).toEqual({ fd: true, kid: false });
    expect(onlyOld.notice).toMatch(/No point has KID/);
    expect(chooseMetric('fd', [old]).notice).toBeUndefined();
    expect(chooseMetric('kid', []).metric).toBe('kid');
  });

  it("KID has no log axis; the floor band is drawn only at the points' N", () => {
    expect(yScaleFor('kid', 'log')).toBe('linear');
    expect(yScaleFor('fd', 'log')).toBe('log');
    const floor = { samples: 100, fd: 58, fdStdErr: 2, kid: 0.001, kidSe: 0.0005, source: 'test' };
    expect(floorBand(floor, 'fd', 100)).toEqual({ value: 58, low: 56, high: 60, samples: 100 });
    expect(floorBand(floor, 'kid', 100)).toEqual({ value: 0.001, low: 0.0005, high: 0.0015, samples: 100 });
    expect(floorBand(floor, 'fd', 2000)).toBeUndefined();
    expect(floorBand(undefined, 'fd', 100)).toBeUndefined();
    expect(formatMetric('kid', 0.01234, 0.0021)).toBe('0.0123 ± 0.0021');
    expect(formatMetric('fd', 41.26)).toBe('41.3');
  });

  it('curves and the frontier follow the metric; points without it are left out', () => {
    const points = [withKid('fp32', 32, 30, 0.001), withKid('W4g32', 4, 35, 0.004), withKid('W2g32', 2, 90, 0.05), old];
    const fd = buildSeries(points, 'transformerBits', undefined, 'fd');
    const kid = buildSeries(points, 'transformerBits', undefined, 'kid');
    expect(fd.flatMap((s) => s.points).length).toBe(4);
    expect(kid.flatMap((s) => s.points).length).toBe(3);
    const w2 = kid.flatMap((s) => s.points).find((p) => p.settingText === 'W2g32')!;
    expect([w2.metric, w2.value, w2.stdError, w2.fd]).toEqual(['kid', 0.05, 0.005, 90]);
    expect(paretoFrontier(kid.flatMap((s) => s.points)).map((p) => p.settingText)).toEqual(['W2g32', 'W4g32', 'fp32']);
  });

  it('differences of a metric are paired when the points share draws, else the independent bound', () => {
    const a = withKid('W4g32', 4, 35, 0.004);
    const b = withKid('fp32', 32, 30, 0.001);
    expect(metricDifference(a, b, 'kid')).toEqual({
      ...pairedDifference({ value: 0.004, leaveOut: a.kidLeaveOut! }, { value: 0.001, leaveOut: b.kidLeaveOut! }),
      paired: true,
    });
    const unpaired = metricDifference(a, { ...b, seed: 7 }, 'kid')!;
    expect(unpaired.paired).toBe(false);
    expect(unpaired.stdError).toBeCloseTo(Math.hypot(0.0004, 0.0001), 15);
    expect(metricDifference(a, old, 'kid')).toBeUndefined();
  });
});
