/**
 * Pipeline override constants for the number formats: the compile-time facts that select a format's decode in
 * shaders/common/packed_weight.wgsl and act_fakequant.wgsl. The same facts, as a name, key the pipeline caches.
 */
import { FP_SPECS, codeBits, hasOffset, type ActivationFormat, type WeightFormat } from '../quant/formats';
import { activationFormatRow, formatName } from '../quant/vocabulary';

const FP_SPECIAL_CODE = { none: 0, ieee: 1, 'e4m3-nan': 2 } as const;

export function weightFormatConstants(format: WeightFormat): Record<string, number> {
  const common = { BITS: codeBits(format), HAS_OFFSET: hasOffset(format) ? 1 : 0 };
  if (format.kind === 'int') {
    return { ...common, IS_FP: 0, INT_SYMMETRIC: format.symmetric ? 1 : 0 };
  }
  const spec = FP_SPECS[format.name];
  return {
    ...common,
    IS_FP: 1,
    INT_SYMMETRIC: 0,
    EXP_BITS: spec.expBits,
    MAN_BITS: spec.manBits,
    EXP_BIAS: spec.bias,
    FP_SPECIAL: FP_SPECIAL_CODE[spec.special],
  };
}

export function weightFormatKey(format: WeightFormat): string {
  return formatName(format);
}

/** Constants of act_fakequant.wgsl for a quantized activation format (not 'none'). */
export function activationFormatConstants(format: Exclude<ActivationFormat, { kind: 'none' }>): Record<string, number> {
  if (format.kind === 'int') {
    return { IS_FP: 0, QMAX: 2 ** (format.bits - 1) - 1, MAN_BITS: 0, MIN_NORMAL_EXP: 0 };
  }
  const spec = FP_SPECS[format.name];
  return { IS_FP: 1, QMAX: spec.maxFinite, MAN_BITS: spec.manBits, MIN_NORMAL_EXP: 1 - spec.bias };
}

export function activationFormatKey(format: Exclude<ActivationFormat, { kind: 'none' }>): string {
  return activationFormatRow(format).kernelName;
}
