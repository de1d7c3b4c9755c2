/** The SNR view's chart data (infinite output SNR drawn at a ceiling above every finite point) and its SNR list parser. */
import { describe, expect, it } from 'vitest';
import { snrChart } from '../../src/features/analysis/snrChart';
import { parseSnrList } from '../../src/features/analysis/snrList';
import type { SnrExperimentResult } from '../../src/engine/analysis/types';

const seed = (Math.random() * 2 ** 31) >>> 0;
let state = seed;
const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;

describe('snrChart', () => {
  it('keeps finite points, lifts identical outputs to a ceiling above every finite value, and spans the identity line', () => {
    const inputs = [0, 10, 20, 30, 40].map((v) => v + Math.round(next() * 4));
    const finite = inputs.map((x) => x - 30 + 60 * next());
    const result: SnrExperimentResult = {
      samples: 2,
      seed: 0,
      curves: [
        {
          modelId: 'v',
          family: 'var',
          depth: 1,
          injection: '',
          steps: 4,
          points: inputs.map((x, i) => ({
            inputSnrDb: x,
            outputSnrDb: i >= 3 ? Infinity : finite[i]!,
            tokensChanged: i >= 3 ? 0 : 0.5,
          })),
        },
        {
          modelId: 'd',
          family: 'dit',
          depth: 1,
          injection: '',
          steps: 4,
          points: inputs.map((x, i) => ({ inputSnrDb: x, outputSnrDb: finite[i]! - 1 })),
        },
      ],
    };
    const chart = snrChart(result);
    const all = [...finite, ...finite.map((f) => f - 1), ...inputs];
    expect(chart.ceiling, `seed ${seed}`).toBeGreaterThan(Math.max(...all));
    expect(chart.series[0]!.points.map((p) => p.identical)).toEqual([false, false, false, true, true]);
    expect(chart.series[0]!.points.slice(3).map((p) => p.output)).toEqual([chart.ceiling, chart.ceiling]);
    expect(chart.series[1]!.points.map((p) => p.output)).toEqual(finite.map((f) => f - 1));
    expect(chart.domain[0]).toBeLessThanOrEqual(Math.min(...all));
    expect(chart.domain[1]).toBe(chart.ceiling);
    for (const p of chart.identity) expect(p.output).toBe(p.input);
    expect(chart.identity[1]!.input).toBe(Math.max(...inputs));
  });
});

describe('parseSnrList', () => {
  it('reads numbers separated by commas or spaces, sorted and de-duplicated; names a bad entry', () => {
    expect(parseSnrList(' 40, 0 10;20 10 ')).toEqual({ values: [0, 10, 20, 40] });
    expect(parseSnrList('-5,2.5')).toEqual({ values: [-5, 2.5] });
    expect(parseSnrList('10, ten')).toEqual({ error: '"ten" is not a number of dB.' });
    expect(parseSnrList(' , ')).toEqual({ error: 'No input SNR given.' });
  });
});
