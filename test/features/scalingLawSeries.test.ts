import { describe, expect, it } from 'vitest';
import { methodLabel, modifiersLabel, precisionOf } from '../../src/features/scaling-law/precision';
import { buildSeries, precisionColors } from '../../src/features/scaling-law/series';
import { qualityPoint } from './scalingLawFixtures';
import { parseSetting, settingToString } from '../../src/quant/setting';

describe('precisionOf', () => {
  it('names curves by weight code bits, activation bits and number format', () => {
    const label = (setting: string, weightBits: number, activationBits = 32) =>
      precisionOf({ setting: parseSetting(setting), weightBits, activationBits }).label;
    expect(label('fp32', 32)).toBe('FP32');
    expect(label('W8c', 8)).toBe('W8');
    expect(label('W3ag64', 3)).toBe('W3');
    expect(label('W4g128-A8', 4, 8)).toBe('W4A8');
    expect(label('W8c-A8-sq0.5', 8, 8)).toBe('W8A8');
    expect(label('Wfp4g32', 4)).toBe('FP4');
    expect(label('Wfp8e5m2c-Afp8e4m3', 8, 8)).toBe('FP8e5m2 Afp8');
    expect(label('W32-A8', 32, 8)).toBe('W32A8');
  });

  it('keeps granularity and zero point as the variant, not in the label', () => {
    expect(precisionOf({ setting: parseSetting('W3ag64'), weightBits: 3, activationBits: 32 }).variant).toBe(
      'g64 asym',
    );
    expect(precisionOf({ setting: parseSetting('W3c'), weightBits: 3, activationBits: 32 }).variant).toBe('c');
  });

  it('labels methods, TopKLD as our reconstruction', () => {
    expect(methodLabel('qat-topkld')).toBe('TopKLD (our reconstruction)');
    expect(methodLabel('sq0.75')).toBe('SmoothQuant α=0.75 (every Linear, run-time 1/s)');
    expect(methodLabel('sq0.5-folded')).toBe('SmoothQuant α=0.5 (qkv, fc1; folded)');
    expect(methodLabel('gptq128')).toBe('GPTQ (128 calibration images)');
    expect(methodLabel('gptq')).toBe('GPTQ (10 calibration images)');
    expect(methodLabel('qat-newloss')).toBe('QAT (newloss)');
  });
});

describe('buildSeries', () => {
  // Three VAR sizes and two DiT sizes at several precisions, a GPTQ variant, a streamed partial, and a re-measurement.
  const sizes = [
    { id: 'mnist-var-d1', depth: 1, lin: 118_208 },
    { id: 'mnist-var-d2', depth: 2, lin: 696_192 },
    { id: 'mnist-var-d3', depth: 3, lin: 2_176_832 },
    { id: 'mnist-dit-d1', depth: 1, lin: 31_360 },
    { id: 'mnist-dit-d4', depth: 4, lin: 1_273_888 },
  ];
  const settings: Array<[string, number, number]> = [
    ['fp32', 32, 32],
    ['W8c', 8, 32],
    ['W4g128', 4, 32],
    ['W4g128-A8', 4, 8],
  ];
  const points = sizes.flatMap((s, i) =>
    settings.map(([setting, weightBits, activationBits], j) =>
      qualityPoint({
        modelId: s.id,
        depth: s.depth,
        linearParams: s.lin,
        setting,
        weightBits,
        activationBits,
        fd: 30 + 10 * j - i,
      }),
    ),
  );
  points.push(
    qualityPoint({
      modelId: 'mnist-var-d3',
      depth: 3,
      linearParams: 2_176_832,
      setting: 'W3g128-gptq',
      method: 'gptq',
      weightBits: 3,
      fd: 44,
    }),
  );
  points.push(
    qualityPoint({
      modelId: 'mnist-var-d2',
      depth: 2,
      linearParams: 696_192,
      setting: 'W3g128-gptq',
      method: 'gptq',
      weightBits: 3,
      fd: 47,
    }),
  );
  points.push(
    qualityPoint({
      modelId: 'mnist-var-d1',
      depth: 1,
      linearParams: 118_208,
      setting: 'W4g128',
      weightBits: 4,
      fd: 999,
      partial: true,
    }),
  );
  points.push(
    qualityPoint({
      modelId: 'mnist-var-d1',
      depth: 1,
      linearParams: 118_208,
      setting: 'W4g128',
      weightBits: 4,
      fd: 41.5,
      samples: 500,
    }),
  );

  it('gives one curve per family, precision and method, model sizes sorted by bits', () => {
    const series = buildSeries(points, 'transformerBits');
    const names = (family: string) => series.filter((s) => s.family === family).map((s) => s.name);
    expect(names('var')).toEqual(['FP32', 'W8', 'W4', 'W4A8', 'W3 · GPTQ (10 calibration images)']);
    expect(names('dit')).toEqual(['FP32', 'W8', 'W4', 'W4A8']);
    const varW4 = series.find((s) => s.family === 'var' && s.name === 'W4')!;
    expect(varW4.points.map((p) => p.modelId)).toEqual(['mnist-var-d1', 'mnist-var-d2', 'mnist-var-d3']);
    // The partial never joins a curve; of two finished measurements the one with more samples wins.
    expect(varW4.points[0]!.fd).toBe(41.5);
    expect(varW4.points[0]!.samples).toBe(500);
    const xs = varW4.points.map((p) => p.x);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    const gptq = series.find((s) => s.method === 'gptq')!;
    expect(gptq.dashed).toBe(true);
    expect(gptq.shape).toBe('triangle');
  });

  it('puts weight-only and W+A settings at different compute bits but the same total bits', () => {
    const total = buildSeries(points, 'transformerBits').filter((s) => s.family === 'dit');
    const compute = buildSeries(points, 'computeBits').filter((s) => s.family === 'dit');
    const xOf = (series: typeof total, name: string) => series.find((s) => s.name === name)!.points[0]!.x;
    expect(xOf(total, 'W4')).toBe(xOf(total, 'W4A8'));
    expect(xOf(compute, 'W4') / xOf(compute, 'W4A8')).toBeCloseTo(32 / 8, 10);
    expect(xOf(compute, 'W4')).toBe(31_360 * 4 * 32);
  });

  it('colours a precision the same in both families and splits one precision swept at two granularities', () => {
    const colors = precisionColors(points);
    const series = buildSeries(points, 'transformerBits', colors);
    for (const s of series) expect(s.color).toBe(colors.get(s.precision));
    expect(new Set(colors.values()).size).toBe(colors.size);
    // A curve keeps its colour when the sweep gains or lacks other precisions.
    const fewer = precisionColors(points.filter((p) => ['W4g128', 'fp32'].includes(settingToString(p.setting))));
    expect(fewer.get('W4')).toBe(colors.get('W4'));
    expect(fewer.size).toBe(2);
    // Precisions outside the fixed table still get distinct colours.
    const odd = precisionColors(
      ['W5c', 'W7c', 'W4g128-A6'].map((setting, i) =>
        qualityPoint({ modelId: 'm', setting, weightBits: [5, 7, 4][i]!, activationBits: i === 2 ? 6 : 32, fd: 40 }),
      ),
    );
    expect(new Set([...odd.values(), ...colors.values()]).size).toBe(odd.size + colors.size);
    const mixed = [
      qualityPoint({ modelId: 'mnist-var-d1', setting: 'W4g128', weightBits: 4, fd: 40 }),
      qualityPoint({ modelId: 'mnist-var-d2', depth: 2, setting: 'W4g128', weightBits: 4, fd: 38 }),
      qualityPoint({ modelId: 'mnist-var-d1', setting: 'W4g32', weightBits: 4, bitsPerWeight: 4.5, fd: 39 }),
    ];
    expect(buildSeries(mixed, 'transformerBits').map((s) => [s.name, s.points.length])).toEqual([
      ['W4 g128', 2],
      ['W4 g32', 1],
    ]);
  });
});

describe('modifier curves (issue 15)', () => {
  it('labels modifiers in the vocabulary order', () => {
    expect(modifiersLabel(parseSetting('W4g32-A4'))).toBe('');
    expect(modifiersLabel(parseSetting('W4g32-A4-had'))).toBe('Had');
    expect(modifiersLabel(parseSetting('W4g32-mp3'))).toBe('MP3');
    expect(modifiersLabel(parseSetting('W4g32-A8-mp3.5-had-lr16'))).toBe('Had + LR16 + MP3.5');
  });

  it('never joins a modifier point to the plain curve: -had and -mp get dashed curves of their own', () => {
    const points = [1, 2].flatMap((depth) =>
      [
        ['W4g32-A4', 4, 4],
        ['W4g32-A4-had', 4, 4],
        ['W4g32', 4, 32],
        ['W4g32-mp3', 3, 32],
      ].map(([setting, weightBits, activationBits]) =>
        qualityPoint({
          modelId: `mnist-var-d${depth}`,
          depth,
          setting: setting as string,
          weightBits: weightBits as number,
          activationBits: activationBits as number,
          fd: 10 * depth,
        }),
      ),
    );
    const series = buildSeries(points, 'transformerBits');
    const byName = Object.fromEntries(series.map((s) => [s.name, s]));
    expect(Object.keys(byName).sort()).toEqual(['W4', 'W4 · MP3', 'W4A4', 'W4A4 · Had']);
    for (const s of series) expect(s.points).toHaveLength(2); // one point per model in each curve
    expect(byName['W4A4 · Had']!.dashed).toBe(true);
    expect(byName['W4A4']!.dashed).toBe(false);
    expect(byName['W4A4 · Had']!.color).toBe(byName['W4A4']!.color);
    expect(byName['W4 · MP3']!.points.map((p) => p.settingText)).toEqual(['W4g32-mp3', 'W4g32-mp3']);
  });
});
