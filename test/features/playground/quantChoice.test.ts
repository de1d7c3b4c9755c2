import { describe, expect, it } from 'vitest';
import { parseSetting, settingToString } from '../../../src/quant/setting';
import { ACTIVATION_BITS, choiceKey, choiceLabel, choiceToSetting, FP_WEIGHT_BITS, GROUP_CHOICES, INT_WEIGHT_BITS, keyToChoice, PTQ_METHODS, type QuantChoice } from '../../../src/features/playground/quantChoice';

function everyChoice(): QuantChoice[] {
  const out: QuantChoice[] = [];
  for (const weightFormat of ['int', 'fp'] as const)
    for (const weightBits of [...(weightFormat === 'int' ? INT_WEIGHT_BITS : FP_WEIGHT_BITS), 32])
      for (const groupSize of GROUP_CHOICES)
        for (const activationBits of ACTIVATION_BITS)
          for (const method of [...PTQ_METHODS, 'qat-topkld'])
            for (const alpha of method === 'sq' ? [0.25, 0.85] : [0.5]) out.push({ weightFormat, weightBits, groupSize, activationBits, method, alpha });
  return out;
}

describe('playground quant choices', () => {
  const choices = everyChoice();

  it(`every control combination (${choices.length}) gives a canonical engine setting and survives its key`, () => {
    for (const c of choices) {
      const setting = choiceToSetting(c);
      expect(settingToString(parseSetting(setting))).toBe(setting);
      const back = keyToChoice(choiceKey(c));
      if (c.weightBits === 32) {
        // Unquantised weights have no format or group, and with no activation quantisation either, no PTQ
        // method changes anything (the setting is fp32): those controls carry no information.
        const methodMatters = c.activationBits < 16 || c.method.startsWith('qat-');
        const expected = methodMatters ? c : { ...c, method: 'rtn', alpha: 0.5 };
        expect({ ...back, weightFormat: c.weightFormat, groupSize: c.groupSize }).toEqual(expected);
      } else expect(back).toEqual(c);
    }
  });

  it('names the formats the way the setting grammar does', () => {
    const base = { groupSize: '32', activationBits: 16, method: 'rtn', alpha: 0.5 } as const;
    expect(choiceToSetting({ ...base, weightFormat: 'int', weightBits: 3 })).toBe('W3g32');
    expect(choiceToSetting({ ...base, weightFormat: 'fp', weightBits: 4, activationBits: 8 })).toBe('Wfp4g32-A8');
    expect(choiceToSetting({ ...base, weightFormat: 'fp', weightBits: 6, groupSize: 'channel' })).toBe('Wfp6e3m2c');
    expect(choiceToSetting({ ...base, weightFormat: 'int', weightBits: 32, activationBits: 8 })).toBe('W32-A8');
    expect(choiceToSetting({ ...base, weightFormat: 'int', weightBits: 32 })).toBe('fp32');
    expect(choiceToSetting({ ...base, weightFormat: 'int', weightBits: 4, activationBits: 8, method: 'sq', alpha: 0.75 })).toBe('W4g32-A8-sq0.75');
    expect(choiceKey({ ...base, weightFormat: 'int', weightBits: 2, method: 'qat-fkl' })).toBe('W2g32~qat-fkl');
    expect(choiceLabel({ ...base, weightFormat: 'int', weightBits: 4, activationBits: 8, method: 'gptq' })).toBe('W4 g32 · A8 · GPTQ');
  });

  it('refuses settings the controls cannot show, saying which part', () => {
    expect(() => keyToChoice('W4ag32')).toThrow(/asymmetric/);
    expect(() => keyToChoice('W4g32-A8t')).toThrow(/per-tensor/);
    expect(() => keyToChoice('Wfp8e5m2g32')).toThrow(/e5m2/);
    expect(() => keyToChoice('W7g32')).toThrow(/INT7/);
    expect(() => keyToChoice('W4g32-Lqp')).toThrow(/layer/);
    expect(() => keyToChoice('W4g32-gptq~qat-task')).toThrow(/PTQ/);
    expect(() => keyToChoice('W4g32~qat-')).toThrow(/trained method/);
    expect(() => keyToChoice('W9g32')).toThrow(/not a quantisation setting/);
  });
});
