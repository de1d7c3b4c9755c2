import { describe, expect, it } from 'vitest';
import { parseSetting, settingToString, type QuantSetting } from '../../src/quant/setting';
import {
  fieldDisabled,
  fieldOptions,
  fieldValue,
  pickerProblem,
  settingLabel,
  visibleFields,
  withField,
  type EditorContext,
  type SettingField,
} from '../../src/quant/settingEditor';
import { WEIGHT_FORMAT_ROWS } from '../../src/quant/vocabulary';

const S = parseSetting;
const model: EditorContext = { scope: 'model' };
const weights: EditorContext = { scope: 'weights' };
const print = (s: QuantSetting) => settingToString(s);

describe('setting editor', () => {
  it('changes one field and keeps the others', () => {
    expect(print(withField(S('W4g32-A8-gptq'), 'weightBits', '3'))).toBe('W3g32-A8-gptq');
    expect(print(withField(S('W4g32-A8'), 'weightFormat', 'fp'))).toBe('Wfp4g32-A8');
    expect(print(withField(S('Wfp4g32'), 'weightBits', 'fp6e3m2'))).toBe('Wfp6e3m2g32');
    expect(print(withField(S('W4g32'), 'zeroPoint', 'asym'))).toBe('W4ag32');
    expect(print(withField(S('W4ag32'), 'weightBits', '6'))).toBe('W6ag32');
    expect(print(withField(S('W4g32'), 'granularity', 'channel'))).toBe('W4c');
    expect(print(withField(S('W4g32'), 'activation', '8'))).toBe('W4g32-A8');
    expect(print(withField(S('W4g32-A8'), 'activation', '32'))).toBe('W4g32');
    expect(print(withField(S('W4g32-A8'), 'method', 'sq'))).toBe('W4g32-A8-sq0.5');
    expect(print(withField(S('W4g32-A8-sq0.5'), 'alpha', '0.75'))).toBe('W4g32-A8-sq0.75');
    expect(print(withField(S('W4g32'), 'weightBits', '32'))).toBe('fp32');
    expect(print(withField(S('W32-A8'), 'weightBits', '4'))).toBe('W4g32-A8');
  });

  it('a trained method takes its student setting, and a PTQ method leaves it for RTN weights', () => {
    const student = S('W3g32-A8~qat-topkld');
    expect(print(withField(S('W4g32'), 'method', settingToString(student)))).toBe('W3g32-A8~qat-topkld');
    expect(print(withField(student, 'method', 'gptq'))).toBe('W3g32-A8-gptq');
    for (const f of ['weightFormat', 'weightBits', 'granularity', 'activation'] as SettingField[])
      expect(fieldDisabled(student, f)).toBe(true);
    expect(fieldDisabled(student, 'method')).toBe(false);
    // Offered as a method when the model has that student; otherwise still shown, said to be missing.
    const withStudent = fieldOptions(student, 'method', { scope: 'model', students: [{ setting: student }] });
    expect(withStudent.find((o) => o.value === 'W3g32-A8~qat-topkld')?.label).toBe(
      'QAT, TopKLD (our reconstruction), trained for W3g32-A8',
    );
    expect(fieldOptions(student, 'method', model).at(-1)?.label).toMatch(/no student shipped/);
  });

  it('every option of every field, applied, reads back as that option (so the select never shows a stale value)', () => {
    const starts = [
      'W4g32',
      'Wfp4g128-A8',
      'W3ac-A6-clip',
      'W32-A8',
      'W8c-A8-sq0.85',
      'W2g64-gptq',
      'W4g32-A4-lr16',
      'W3g32-lr5',
    ].map(S);
    let checked = 0;
    for (const ctx of [model, weights])
      for (const start of starts) {
        if (pickerProblem(start, ctx)) continue;
        for (const field of visibleFields(start, ctx)) {
          if (fieldDisabled(start, field)) continue;
          for (const option of fieldOptions(start, field, ctx)) {
            const next = withField(start, field, option.value);
            expect(fieldValue(next, field)).toBe(option.value);
            expect(S(print(next))).toEqual(next);
            checked++;
          }
        }
      }
    expect(checked).toBeGreaterThan(150);
  });

  it('offers every weight format of the vocabulary, and "not quantised" only for a whole model setting', () => {
    const offered = (s: QuantSetting, ctx: EditorContext) => fieldOptions(s, 'weightBits', ctx).map((o) => o.value);
    const all = [...offered(S('W4g32'), weights), ...offered(S('Wfp4g32'), weights)];
    const reachable = new Set<string>();
    for (const v of all)
      for (const zp of ['sym', 'asym'])
        reachable.add(
          settingToString(
            withField(withField(S(/^\d/.test(v) ? 'W4g32' : 'Wfp4g32'), 'weightBits', v), 'zeroPoint', zp),
          ),
        );
    expect(reachable.size).toBe(WEIGHT_FORMAT_ROWS.length);
    expect(offered(S('W4g32'), model)).toContain('32');
    expect(offered(S('W4g32'), weights)).not.toContain('32');
    expect(visibleFields(S('W4g32'), weights)).toEqual(['weightFormat', 'weightBits', 'zeroPoint', 'granularity']);
    expect(visibleFields(S('Wfp4g32-A8-sq0.5'), model)).toEqual([
      'weightFormat',
      'weightBits',
      'granularity',
      'activation',
      'method',
      'alpha',
      'hadamard',
      'lowRank',
    ]);
    expect(visibleFields(S('W32-A8'), model)).not.toContain('lowRank');
  });

  it('-lr: a rank select (off, 8, 16, 32, and a linked rank), dropped with the weights', () => {
    expect(fieldOptions(S('W4g32-A4'), 'lowRank', model).map((o) => o.value)).toEqual(['0', '8', '16', '32']);
    expect(fieldOptions(S('W4g32-lr5'), 'lowRank', model).at(-1)).toEqual({ value: '5', label: 'rank 5' });
    expect(print(withField(S('W4g32-A4'), 'lowRank', '16'))).toBe('W4g32-A4-lr16');
    expect(print(withField(S('W4g32-A4-had-lr16'), 'lowRank', '0'))).toBe('W4g32-A4-had');
    expect(print(withField(S('W4g32-A4-lr16'), 'weightBits', '32'))).toBe('W32-A4');
    expect(settingLabel(S('W4g32-A4-lr16'))).toBe('W4 g32 · A4 · LR16');
  });

  it('labels a setting from the vocabulary', () => {
    expect(settingLabel(S('W4g32-A8-gptq'))).toBe('W4 g32 · A8 · GPTQ');
    expect(settingLabel(S('Wfp6e3m2c'))).toBe('FP6e3m2 per-ch');
    expect(settingLabel(S('W32-A8'))).toBe('W32 · A8');
    expect(settingLabel(S('W2g32~qat-topkld'))).toBe('W2 g32 · QAT, TopKLD*');
  });

  it('says which settings from a link a picker cannot show', () => {
    expect(pickerProblem(S('W4g32-Lqp'), model)).toMatch(/layer/);
    expect(pickerProblem(S('W32-A8'), weights)).toMatch(/weights/);
    expect(pickerProblem(S('W4ag32-A8t'), model)).toBeUndefined();
  });
});
