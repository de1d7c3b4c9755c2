import { describe, expect, it } from 'vitest';
import { ALL_GRANULARITIES, ALL_WEIGHT_FORMATS, FP_SPECS, codeBits } from '../../src/quant/formats';
import {
  parseSetting,
  settingToString,
  weightCodeBits,
  FULL_PRECISION,
  type QuantSetting,
} from '../../src/quant/setting';
import {
  ACTIVATION_FORMAT_ROWS,
  GRANULARITY_ROWS,
  METHOD_ROWS,
  NOT_QUANTISED_BITS,
  WEIGHT_FORMAT_ROWS,
  formatName,
  weightFormatRow,
} from '../../src/quant/vocabulary';

const unique = (values: readonly string[]) => new Set(values).size === values.length;

describe('quantisation vocabulary', () => {
  it('has one row per weight format, granularity and method, with unique tokens and labels', () => {
    expect(WEIGHT_FORMAT_ROWS.map((r) => r.format)).toEqual(ALL_WEIGHT_FORMATS);
    expect(GRANULARITY_ROWS.map((r) => r.granularity)).toEqual(expect.arrayContaining([...ALL_GRANULARITIES]));
    expect(GRANULARITY_ROWS).toHaveLength(ALL_GRANULARITIES.length);
    for (const key of ['token', 'label', 'short', 'kernelName'] as const)
      expect(unique(WEIGHT_FORMAT_ROWS.map((r) => r[key]))).toBe(true);
    for (const key of ['token', 'label', 'short', 'name'] as const)
      expect(unique(GRANULARITY_ROWS.map((r) => r[key]))).toBe(true);
    for (const key of ['token', 'label', 'short'] as const) expect(unique(METHOD_ROWS.map((r) => r[key]))).toBe(true);
    expect(unique(ACTIVATION_FORMAT_ROWS.map((r) => r.token))).toBe(true);
    expect(METHOD_ROWS.filter((r) => r.trained).map((r) => r.token)).toEqual([
      'qat-task',
      'qat-fkl',
      'qat-rkl',
      'qat-topkld',
      'qat-mse',
    ]);
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
    for (const a of ACTIVATION_FORMAT_ROWS)
      expect(settingToString(parseSetting(`W4g32-A${a.token}`))).toBe(`W4g32-A${a.token}`);
  });
});

describe('adding a weight format', () => {
  // By construction: the grammar, the pickers (settingEditor), labels, kernel names and bit accounting all read
  // the rows above, so a new FP element format is one FP_ELEMENTS entry (its decode, formats.ts) plus one FP_WORDS
  // row (vocabulary.ts); the type checker asks for the second once the first exists. This scan counts the other
  // places that would have to change: source files that spell a format's words or list every FP format by name.
  it('touches exactly two files: formats.ts (decode) and vocabulary.ts (words)', async () => {
    const { readdirSync, readFileSync, statSync } = await import('node:fs');
    const { join, relative } = await import('node:path');
    const root = join(__dirname, '../../src');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.(ts|tsx|mjs)$/.test(name)) files.push(path);
      }
    };
    walk(root);
    const fpRows = WEIGHT_FORMAT_ROWS.filter((r) => r.format.kind === 'fp');
    const words = fpRows.flatMap((r) => [r.token, r.label, r.short]);
    const names = Object.keys(FP_SPECS);
    const touched = new Set<string>();
    for (const file of files) {
      // Code only: comments may name formats as examples.
      const code = readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/(^|[^:])\/\/.*$/gm, '$1');
      const spellsAWord = words.some((w) =>
        new RegExp(`['"\`]${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"\`]`).test(code),
      );
      const listsEveryName = names.every((n) => new RegExp(`\\b${n}\\b`).test(code));
      if (spellsAWord || listsEveryName) touched.add(relative(root, file).replace(/\\/g, '/'));
    }
    expect([...touched].sort()).toEqual(['quant/formats.ts', 'quant/vocabulary.ts']);
  });
});
