/**
 * The issue-15 modifiers of the setting grammar (-had, -lr<r>, -tg<k>, -mp<B>): round trips, canonical order,
 * equality, the editor's Hadamard checkbox, and an error for every kind of bad modifier (also in the link report).
 */
import { describe, expect, it } from 'vitest';
import {
  FULL_PRECISION,
  SettingParseError,
  checkSetting,
  hasTransforms,
  parseSetting,
  sameSetting,
  settingToString,
  weightBitsRange,
} from '../../src/quant/setting';
import { fieldControl, fieldValue, settingLabel, visibleFields, withField } from '../../src/quant/settingEditor';
import { TRANSFORM_ROWS } from '../../src/quant/vocabulary';
import { searchToView } from '../../src/features/playground/viewState';

const S = parseSetting;

describe('setting modifiers', () => {
  it.each([
    'W4g32-A4-had',
    'W4g32-had',
    'W32-A8-had',
    'W4g128-A8-gptq-had',
    'W8c-A8-sq0.5-had',
    'W4g32-A4-lr16',
    'W4g32-A4t-tg10',
    'W4g32-mp3.5',
    'Wfp4g32-A8-mp6',
    'W4g32-A4-Lqp12-clip-had-lr8-tg5-mp3.25',
  ])('round-trips %s', (text) => {
    const s = S(text);
    expect(settingToString(s)).toBe(text);
    expect(S(settingToString(s))).toEqual(s);
    expect(checkSetting(JSON.parse(JSON.stringify(s)))).toEqual(s);
    expect(hasTransforms(s)).toBe(true);
  });

  it('reads the typed fields and prints them in one order whatever order they came in', () => {
    const s = S('W4g32-A4-mp3.5-tg4-lr2-had');
    expect(s.transforms).toEqual({ hadamard: true, lowRank: 2, timestepGroups: 4, mixedBits: 3.5 });
    expect(settingToString(s)).toBe('W4g32-A4-had-lr2-tg4-mp3.5');
    expect(sameSetting(s, S('W4g32-A4-had-lr2-tg4-mp3.5'))).toBe(true);
    expect(sameSetting(S('W4g32-A4-had'), S('W4g32-A4'))).toBe(false);
    expect(sameSetting(S('W4g32-A4-lr2'), S('W4g32-A4-lr3'))).toBe(false);
    // No modifier: no transforms field at all, so settings without one stay equal to older literals.
    expect('transforms' in S('W4g32-A4')).toBe(false);
    expect(hasTransforms(S('W4g32-A4'))).toBe(false);
    expect(settingToString({ ...S('W4g32'), transforms: { hadamard: false } })).toBe('W4g32');
    expect(S('W4g32-mp03.50').transforms?.mixedBits).toBe(3.5);
    expect(settingToString(S('W4g32-mp03.50'))).toBe('W4g32-mp3.5');
  });

  it('has a vocabulary row per modifier with an explanation, and -had says it stores no bits', () => {
    expect(TRANSFORM_ROWS.map((r) => r.token)).toEqual(['had', 'lr', 'tg', 'mp']);
    for (const row of TRANSFORM_ROWS) expect(row.explanation.length).toBeGreaterThan(30);
    expect(TRANSFORM_ROWS[0].explanation).toMatch(/no stored bits/);
  });

  it('bounds -mp by the weight family: INT 2..8, FP 4..8', () => {
    expect(weightBitsRange(S('W4g32').weight!.format)).toEqual([2, 8]);
    expect(weightBitsRange(S('Wfp4g32').weight!.format)).toEqual([4, 8]);
    expect(S('W4g32-mp2').transforms?.mixedBits).toBe(2);
    expect(S('W4g32-mp8').transforms?.mixedBits).toBe(8);
  });

  it.each([
    ['W4g32-A4-hadx', /unknown method or modifier "hadx"/],
    ['W4g32-A4-rot', /unknown method or modifier "rot".*gptq.*-had, -lr<rank>, -tg<k>, -mp<bits>/],
    ['W4g32-A4-gptq-rot', /unknown modifier "rot" \(-had, -lr<rank>/],
    ['W4g32-A4-had-had', /-had appears twice/],
    ['W4g32-A4-lr0', /-lr<rank> needs a whole number >= 1, got "0"/],
    ['W4g32-A4-lr', /needs a whole number >= 1, got ""/],
    ['W4g32-A4-lr2.5', /whole number/],
    ['W4g32-A4-lr-3', /unknown modifier "3"|whole number/],
    ['W4g32-A4-tg0', /-tg<k> needs a whole number >= 1/],
    ['W4g32-mp1.5', /"1.5" is not a number of bits within 2..8/],
    ['W4g32-mp9', /within 2..8/],
    ['Wfp4g32-mp3', /within 4..8/],
    ['W4g32-mpx', /not a number of bits/],
    ['W32-A8-mp4', /-mp<bits> needs quantised weights/],
    ['W32-A8-lr4', /-lr<rank> splits quantised weights/],
    ['W4g32-tg4', /-tg<k> groups activation scales/],
    ['W32-had', /nothing is quantised/],
    ['W4g32-had-gptq', /the method "gptq" must come before the modifiers/],
    ['W4g32-had-sq0.5', /must come before the modifiers/],
    ['W3g32-had~qat-topkld', /takes no modifier \(-had\)/],
  ])('rejects %s with a SettingParseError naming the problem', (text, message) => {
    const error = (() => {
      try {
        S(text);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SettingParseError);
    expect((error as Error).message).toMatch(message);
    expect((error as SettingParseError).fix).toMatch(/W4g128/);
  });

  it('the link report names a bad modifier and replaces the setting, keeping the good ones', () => {
    const { view, problems } = searchToView('?q=W4g32-A4-had,W4g32-A4-lr0');
    expect(view.columns.map(settingToString)).toEqual(['W4g32-A4-had']);
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toMatch(/W4g32-A4-lr0.*whole number >= 1/);
  });
});

describe('setting editor: the Hadamard checkbox', () => {
  const model = { scope: 'model' } as const;
  it('is a checkbox shown for quantised model settings, not for fp32, the weight view or a trained student', () => {
    expect(fieldControl('hadamard')).toBe('checkbox');
    expect(fieldControl('method')).toBe('select');
    expect(visibleFields(S('W4g32-A4'), model)).toContain('hadamard');
    expect(visibleFields(S('W32-A8'), model)).toContain('hadamard');
    expect(visibleFields(FULL_PRECISION, model)).not.toContain('hadamard');
    expect(visibleFields(S('W4g32'), { scope: 'weights' })).not.toContain('hadamard');
    expect(visibleFields(S('W3g32~qat-topkld'), model)).not.toContain('hadamard');
  });

  it('turns -had on and off and keeps the other modifiers', () => {
    const on = withField(S('W4g32-A4-lr8'), 'hadamard', 'on');
    expect(settingToString(on)).toBe('W4g32-A4-had-lr8');
    expect(fieldValue(on, 'hadamard')).toBe('on');
    const off = withField(on, 'hadamard', 'off');
    expect(settingToString(off)).toBe('W4g32-A4-lr8');
    expect(fieldValue(off, 'hadamard')).toBe('off');
    expect('transforms' in withField(S('W4g32-A4-had'), 'hadamard', 'off')).toBe(false);
    expect(() => withField(on, 'hadamard', 'yes')).toThrow(/not on or off/);
    // Changing another field keeps the rotation.
    expect(settingToString(withField(on, 'activation', '8'))).toBe('W4g32-A8-had-lr8');
  });

  it('labels the modifiers', () => {
    expect(settingLabel(S('W4g32-A4-had'))).toBe('W4 g32 · A4 · Had');
    expect(settingLabel(S('W4g32-A4-gptq-had-lr16'))).toBe('W4 g32 · A4 · GPTQ · Had · LR16');
  });
});
