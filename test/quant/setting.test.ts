import { describe, expect, it } from 'vitest';
import {
  FULL_PRECISION,
  parseSetting,
  settingToString,
  SettingParseError,
  type QuantSetting,
} from '../../src/quant/setting';
import { ALL_GRANULARITIES, ALL_WEIGHT_FORMATS } from '../../src/quant/formats';

describe('quantisation setting strings', () => {
  it('round-trips every weight format, granularity, activation format, layer set and method', () => {
    const grans = ALL_GRANULARITIES;
    const weights = ALL_WEIGHT_FORMATS;
    const acts: QuantSetting['activation'][] = [
      { format: { kind: 'none' }, perTensor: false },
      { format: { kind: 'int', bits: 8 }, perTensor: false },
      { format: { kind: 'int', bits: 4 }, perTensor: true },
      { format: { kind: 'fp', name: 'e4m3' }, perTensor: true },
      { format: { kind: 'fp', name: 'e5m2' }, perTensor: false },
    ];
    const seen = new Set<string>();
    for (const format of weights)
      for (const granularity of grans)
        for (const activation of acts) {
          const s: QuantSetting = {
            weight: { format, granularity },
            activation,
            layers: ['qkv', 'fc1', 'head'],
            method: { kind: 'smoothquant', alpha: 0.5 },
          };
          const text = settingToString(s);
          expect(parseSetting(text)).toEqual(s);
          seen.add(text);
        }
    expect(seen.size).toBe(weights.length * grans.length * acts.length); // strings are unique
  });

  it('omits defaults and reads the documented examples', () => {
    expect(settingToString(FULL_PRECISION)).toBe('fp32');
    expect(parseSetting('fp32')).toEqual(FULL_PRECISION);
    const w4a8 = parseSetting('W4g128-A8');
    expect(w4a8.weight).toEqual({
      format: { kind: 'int', bits: 4, symmetric: true },
      granularity: { kind: 'group', size: 128 },
    });
    expect(w4a8.activation).toEqual({ format: { kind: 'int', bits: 8 }, perTensor: false });
    expect(w4a8.layers).toEqual(['qkv', 'proj', 'fc1', 'fc2', 'adaLN']);
    expect(w4a8.method).toEqual({ kind: 'rtn' });
    expect(settingToString(w4a8)).toBe('W4g128-A8');
    expect(settingToString(parseSetting('W3ac-A16'))).toBe('W3ac');
    expect(parseSetting('W32-A8').weight).toBeNull();
    expect(parseSetting('W4g128-gptq').method).toEqual({ kind: 'gptq' });
  });

  it('writes a trained student as a method of the setting (~qat-<loss>, the links of earlier versions)', () => {
    const s = parseSetting('W3g32~qat-topkld');
    expect(s.method).toEqual({ kind: 'qat', loss: 'topkld' });
    expect(s.weight?.format).toEqual({ kind: 'int', bits: 3, symmetric: true });
    expect(settingToString(s)).toBe('W3g32~qat-topkld');
    expect(settingToString({ ...FULL_PRECISION, method: { kind: 'qat', loss: 'task' } })).toBe('fp32~qat-task');
    expect(() => parseSetting('W3g32-gptq~qat-task')).toThrow(/post-training/);
    expect(() => parseSetting('W3g32~qat-')).toThrow(/not a trained method/);
    expect(() => parseSetting('W3g32~gptq')).toThrow(/not a trained method/);
  });

  it('reads A16 and A32 as activations not quantised', () => {
    expect(parseSetting('W4g32-A16')).toEqual(parseSetting('W4g32'));
    expect(parseSetting('W4g32-A32')).toEqual(parseSetting('W4g32'));
  });

  it.each([
    '',
    'W9g128',
    'W4g100',
    'W4',
    'X4g128',
    'W4g128-A1',
    'W4g128-Lz',
    'W4g128-sq1.5',
    'W4g128-A8-rtn-extra',
    'Wfp5g32',
  ])('rejects %j with a message that names the fix', (text) => {
    const error = (() => {
      try {
        parseSetting(text);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SettingParseError);
    expect((error as SettingParseError).fix).toMatch(/W4g128/);
  });
});
