import { describe, expect, it } from 'vitest';
import { ALL_GRANULARITIES, ALL_WEIGHT_FORMATS, FP_SPECS, codeBits } from '../../src/quant/formats';
import { parseSetting, settingToString, weightCodeBits, FULL_PRECISION, type QuantSetting } from '../../src/quant/setting';
import { ACTIVATION_FORMAT_ROWS, GRANULARITY_ROWS, METHOD_ROWS, NOT_QUANTISED_BITS, WEIGHT_FORMAT_ROWS, formatName, weightFormatRow } from '../../src/quant/vocabulary';

const unique = (values: readonly string[]) => new Set(values).size === values.length;

describe('quantisation vocabulary', () => {
  it('has one row per weight format, granularity and method, with unique tokens and labels', () => {
    expect(WEIGHT_FORMAT_ROWS.map((r) => r.format)).toEqual(ALL_WEIGHT_FORMATS);
    expect(GRANULARITY_ROWS.map((r) => r.granularity)).toEqual(expect.arrayContaining([...ALL_GRANULARITIES]));
    expect(GRANULARITY_ROWS).toHaveLength(ALL_GRANULARITIES.length);
    for (const key of ['token', 'label', 'short', 'kernelName'] as const) expect(unique(WEIGHT_FORMAT_ROWS.map((r) => r[key]))).toBe(true);
    for (const key of ['token', 'label', 'short', 'name'] as const) expect(unique(GRANULARITY_ROWS.map((r) => r[key]))).toBe(true);
    for (const key of ['token', 'label', 'short'] as const) expect(unique(METHOD_ROWS.map((r) => r[key]))).toBe(true);
    expect(unique(ACTIVATION_FORMAT_ROWS.map((r) => r.token))).toBe(true);
    expect(METHOD_ROWS.filter((r) => r.trained).map((r) => r.token)).toEqual(['qat-task', 'qat-fkl', 'qat-rkl', 'qat-topkld', 'qat-mse']);
  });

  it('code bits and kernel names come from the rows (FP bits are the element spec)', () => {
    for (const row of WEIGHT_FORMAT_ROWS) {
      expect(row.codeBits).toBe(codeBits(row.format));
      if (row.format.kind === 'fp') expect(row.codeBits).toBe(FP_SPECS[row.format.name].bits);
      expect(formatName(row.format)).toBe(row.kernelName);
      expect(weightFormatRow(row.format)).toBe(row);
      const s: QuantSetting = { ...FULL_PRECISION, weight: { format: row.format, granularity: { kind: 'channel' } } };
      expect(weightCodeBits(s)).toBe(row.codeBits);
    }
    expect(weightCodeBits(FULL_PRECISION)).toBe(NOT_QUANTISED_BITS);
  });

  it('every row is spelled by the grammar with its token, and read back', () => {
    for (const f of WEIGHT_FORMAT_ROWS)
      for (const g of GRANULARITY_ROWS) {
        const s: QuantSetting = { ...FULL_PRECISION, weight: { format: f.format, granularity: g.granularity } };
        const text = settingToString(s);
        expect(text).toBe(`W${f.token}${g.token}`);
        expect(parseSetting(text)).toEqual(s);
      }
    for (const a of ACTIVATION_FORMAT_ROWS) expect(settingToString(parseSetting(`W4g32-A${a.token}`))).toBe(`W4g32-A${a.token}`);
  });
});
