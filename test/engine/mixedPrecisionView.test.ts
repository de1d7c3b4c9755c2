/**
 * The mixed-precision view's report (src/engine/analysis/mixedPrecisionView.ts): the allocation generation uses,
 * with the table's errors at each width and the uniform widths' predicted errors, on a synthetic table whose
 * answer is known (one Linear far more sensitive than the rest must get the widest width).
 */
import { describe, expect, it } from 'vitest';
import { mixedPrecisionReport } from '../../src/engine/analysis/mixedPrecisionView';
import type { GeneratorBundle } from '../../src/engine/generation/bundleStore';
import { parseSetting } from '../../src/quant/setting';
import { allocationSummary, widthColour } from '../../src/features/analysis/mixedPrecisionText';

const WIDTHS = [2, 3, 4, 8];

function bundle(withTable = true): GeneratorBundle {
  const layers = ['blocks.0.attn.mat_qkv', 'blocks.0.attn.proj', 'blocks.0.ffn.fc1', 'blocks.0.ffn.fc2'].map(
    (name, i) => ({
      name,
      params: 4096,
      // fc1 (i = 2) is 1000x more sensitive than the others at every width.
      errorByBits: Object.fromEntries(WIDTHS.map((b) => [String(b), (i === 2 ? 1000 : 1) * 4 ** -b])),
    }),
  );
  const manifest = {
    id: 'test-var',
    family: 'var',
    ...(withTable ? { sensitivity: { metric: 'synthetic error', granularity: 'g32', layers } } : {}),
  };
  return { manifest } as unknown as GeneratorBundle;
}

describe('mixedPrecisionReport', () => {
  it('gives the sensitive Linear the widest width within the budget, with uniform predictions beside it', () => {
    const r = mixedPrecisionReport(bundle(), { modelId: 'test-var', setting: parseSetting('W4g32-mp3') });
    expect(r.widths).toEqual([2, 3, 4]);
    expect(r.layers.map((l) => l.name)).toEqual([
      'blocks.0.attn.mat_qkv',
      'blocks.0.attn.proj',
      'blocks.0.ffn.fc1',
      'blocks.0.ffn.fc2',
    ]);
    const fc1 = r.layers[2]!;
    expect(fc1.bits).toBe(4);
    expect(r.averageBits).toBeLessThanOrEqual(3 + 1e-12);
    expect(r.layers.reduce((s, l) => s + l.bits * l.params, 0) / (4 * 4096)).toBeCloseTo(r.averageBits, 12);
    expect(r.predictedError).toBeCloseTo(
      r.layers.reduce((s, l) => s + l.errorByBits[r.widths.indexOf(l.bits)]!, 0),
      15,
    );
    const uniform3 = r.uniform.find((u) => u.bits === 3)!;
    expect(uniform3.predictedError).toBeCloseTo(1003 * 4 ** -3, 12);
    // Spending the budget where it matters beats every Linear at 3 bits.
    expect(r.predictedError).toBeLessThan(uniform3.predictedError);
    expect(allocationSummary(r)).toContain('every Linear at 3 bits');
  });

  it('refuses a setting without -mp and a bundle without a table, each with the fix', () => {
    expect(() => mixedPrecisionReport(bundle(), { modelId: 'test-var', setting: parseSetting('W4g32') })).toThrow(
      /no -mp<B> modifier/,
    );
    expect(() =>
      mixedPrecisionReport(bundle(false), { modelId: 'test-var', setting: parseSetting('W4g32-mp3') }),
    ).toThrow(/ships no sensitivity table/);
  });

  it('colours the fewest bits red and the most green', () => {
    expect(widthColour(2, WIDTHS)).toBe('hsl(10 65% 78%)');
    expect(widthColour(8, WIDTHS)).toBe('hsl(120 65% 78%)');
  });
});
