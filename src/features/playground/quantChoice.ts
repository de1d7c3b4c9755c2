/**
 * What the playground's setting controls edit: one quantised column as the user sees it (format, bits, group
 * size, activation bits, method), and its translation to the engine's QuantSetting string. Trained methods
 * (QAT students shipped as their own bundles) are a method choice too: they run the student bundle with the
 * RTN setting it was trained for, against the base model's fp32.
 */
import { parseSetting, settingToString, type QuantSetting } from '../../quant/setting';
import type { FpName } from '../../quant/formats';

export type WeightFormatChoice = 'int' | 'fp';
export type GroupChoice = 'tensor' | 'channel' | '32' | '64' | '128';
/** 'rtn' | 'clip' | 'sq' (SmoothQuant with `alpha`) | 'gptq' | 'qat-<loss>' (a trained student bundle). */
export type MethodChoice = string;

export interface QuantChoice {
  readonly weightFormat: WeightFormatChoice;
  /** 2..8 for INT, 4/6/8 for FP, 32 = weights not quantised. */
  readonly weightBits: number;
  readonly groupSize: GroupChoice;
  /** 16 = activations not quantised, else INT bits per token. */
  readonly activationBits: number;
  readonly method: MethodChoice;
  /** SmoothQuant migration strength (only with method 'sq'). */
  readonly alpha: number;
}

export const INT_WEIGHT_BITS = [2, 3, 4, 5, 6, 8] as const;
export const FP_WEIGHT_BITS = [4, 6, 8] as const;
export const ACTIVATION_BITS = [16, 8, 6, 4] as const;
export const GROUP_CHOICES: readonly GroupChoice[] = ['32', '64', '128', 'channel', 'tensor'];
export const PTQ_METHODS = ['rtn', 'clip', 'sq', 'gptq'] as const;

/** FP element format behind each FP bit width (the OCP MX choices; E3M2 keeps range, E4M3 precision). */
const FP_BY_BITS: Record<number, { name: FpName; token: string }> = {
  4: { name: 'e2m1', token: 'fp4' },
  6: { name: 'e3m2', token: 'fp6e3m2' },
  8: { name: 'e4m3', token: 'fp8e4m3' },
};

export const DEFAULT_CHOICE: QuantChoice = { weightFormat: 'int', weightBits: 4, groupSize: '32', activationBits: 16, method: 'rtn', alpha: 0.5 };

export const METHOD_LABELS: Record<string, string> = {
  rtn: 'RTN (round to nearest)',
  clip: 'RTN + MSE clipping',
  sq: 'SmoothQuant',
  gptq: 'GPTQ',
  'qat-task': 'QAT, task loss',
  'qat-fkl': 'QAT, forward KL',
  'qat-rkl': 'QAT, reverse KL',
  'qat-topkld': 'QAT, TopKLD (our reconstruction)',
  'qat-mse': 'QAT, output MSE distillation',
};

export function methodLabel(method: string): string {
  return METHOD_LABELS[method] ?? method;
}

export function isTrainedMethod(method: string): boolean {
  return method.startsWith('qat-');
}

/** The engine setting string of a choice (trained methods: the RTN setting their student was trained for). */
export function choiceToSetting(c: QuantChoice): string {
  const parts: string[] = [];
  if (c.weightBits >= 16) parts.push('W32');
  else {
    const w = c.weightFormat === 'fp' ? FP_BY_BITS[c.weightBits]?.token ?? 'fp4' : String(c.weightBits);
    const g = c.groupSize === 'tensor' ? 't' : c.groupSize === 'channel' ? 'c' : `g${c.groupSize}`;
    parts.push(`W${w}${g}`);
  }
  if (c.activationBits < 16) parts.push(`A${c.activationBits}`);
  if (c.method === 'clip' || c.method === 'gptq') parts.push(c.method);
  if (c.method === 'sq') parts.push(`sq${c.alpha}`);
  // Canonical form (e.g. 'W32' alone is fp32).
  return settingToString(parseSetting(parts.join('-')));
}

/** A column's key in URLs and caches: the setting, plus '~method' for trained students. */
export function choiceKey(c: QuantChoice): string {
  const s = choiceToSetting(c);
  return isTrainedMethod(c.method) ? `${s}~${c.method}` : s;
}

/**
 * Parses a column key back into a choice; throws SettingParseError (with its fix) on a bad setting and a plain
 * Error on settings the controls cannot express (asymmetric INT, FP8 E5M2, FP6 E2M3, per-tensor or FP8
 * activations, non-default layers).
 */
export function keyToChoice(key: string): QuantChoice {
  const [settingText, trained] = key.split('~');
  const s: QuantSetting = parseSetting(settingText);
  const unsupported = (what: string): never => {
    throw new Error(`"${key}": ${what} cannot be set with the playground's controls.`);
  };
  if (s.layers.join() !== 'qkv,proj,fc1,fc2,adaLN') unsupported('a custom layer list');
  if (s.activation.perTensor) unsupported('per-tensor activation scaling');
  const a = s.activation.format;
  if (a.kind === 'fp') unsupported('FP8 activations');
  const activationBits = a.kind === 'int' ? a.bits : 16;
  if (!(ACTIVATION_BITS as readonly number[]).includes(activationBits)) unsupported(`A${activationBits}`);
  let weightFormat: WeightFormatChoice = 'int';
  let weightBits = 32;
  let groupSize: GroupChoice = DEFAULT_CHOICE.groupSize;
  if (s.weight) {
    const f = s.weight.format;
    if (f.kind === 'int') {
      if (!f.symmetric) unsupported('asymmetric INT weights');
      weightBits = f.bits;
      if (!(INT_WEIGHT_BITS as readonly number[]).includes(weightBits)) unsupported(`INT${weightBits} weights`);
    } else {
      const bits = Number(Object.keys(FP_BY_BITS).find((b) => FP_BY_BITS[Number(b)].name === f.name));
      if (!bits) unsupported(`the ${f.name} FP format`);
      weightFormat = 'fp';
      weightBits = bits;
    }
    const g = s.weight.granularity;
    groupSize = g.kind === 'group' ? (String(g.size) as GroupChoice) : g.kind;
  }
  let method: MethodChoice = s.method.kind === 'smoothquant' ? 'sq' : s.method.kind;
  const alpha = s.method.kind === 'smoothquant' ? s.method.alpha : DEFAULT_CHOICE.alpha;
  if (trained !== undefined) {
    if (!/^qat-[a-z]+$/.test(trained)) throw new Error(`"${key}": "${trained}" is not a trained method (qat-task, qat-topkld, ...).`);
    if (s.method.kind !== 'rtn') unsupported('a trained student with a PTQ method');
    method = trained;
  }
  return { weightFormat, weightBits, groupSize, activationBits, method, alpha };
}

/** Short human label of a column: "W4 g32 · A8 · GPTQ". */
export function choiceLabel(c: QuantChoice): string {
  const w = c.weightBits >= 16 ? 'W32' : c.weightFormat === 'fp' ? `FP${c.weightBits}` : `W${c.weightBits}`;
  const g = c.weightBits >= 16 ? '' : c.groupSize === 'channel' ? ' per-ch' : c.groupSize === 'tensor' ? ' per-tensor' : ` g${c.groupSize}`;
  const a = c.activationBits < 16 ? ` · A${c.activationBits}` : '';
  const m = c.method === 'rtn' ? '' : c.method === 'sq' ? ` · SQ α=${c.alpha}` : ` · ${methodLabel(c.method).replace(' (our reconstruction)', '*')}`;
  return `${w}${g}${a}${m}`;
}
