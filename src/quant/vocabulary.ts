/**
 * The one vocabulary of quantisation settings: per weight format, granularity, activation format and method its
 * grammar token, its labels and (for formats) its code bits and kernel name. The setting grammar (setting.ts),
 * every picker and chart label, the kernels' pipeline keys and the bit accounting read these rows, so one concept
 * has one spelling. Adding an FP element format is one FP_SPECS entry (its decode, formats.ts) plus one row of
 * FP_WORDS below; the type checker then asks for nothing else (test/quant/vocabulary.test.ts proves it by scanning
 * the tree for the row's words).
 */
import {
  FP_SPECS,
  GROUP_SIZES,
  INT_BITS,
  type ActivationFormat,
  type FpName,
  type Granularity,
  type IntBits,
  type WeightFormat,
} from './formats';

/** Bits that stand for "not quantised", for weights and activations alike (the engine computes in f32). */
export const NOT_QUANTISED_BITS = 32;
export const NOT_QUANTISED_LABEL = 'not quantised';

export interface WeightFormatRow {
  readonly format: WeightFormat;
  /** Grammar token after 'W' (before the granularity): '4', '3a', 'fp4', 'fp8e4m3'. */
  readonly token: string;
  /** Picker label: 'INT4 symmetric', 'FP4 E2M1'. */
  readonly label: string;
  /** Column and chart label: 'W4', 'W3a', 'FP4', 'FP8e4m3'. */
  readonly short: string;
  readonly codeBits: number;
  /** Pipeline-cache and packed-weight name: 'int4s', 'int3a', 'fp-e2m1'. */
  readonly kernelName: string;
  /** Offered by the pickers of whole model settings (playground, live point); every row is offered for weights alone. */
  readonly modelPicker: boolean;
}

/** The words of each FP element format; its bits and decode are FP_SPECS'. */
const FP_WORDS: Readonly<
  Record<
    FpName,
    { readonly token: string; readonly label: string; readonly short: string; readonly modelPicker: boolean }
  >
> = {
  // One FP format per width for whole models: E4M3 keeps precision at 8 bits, E3M2 range at 6 (the OCP MX choices).
  e4m3: { token: 'fp8e4m3', label: 'FP8 E4M3', short: 'FP8e4m3', modelPicker: true },
  e5m2: { token: 'fp8e5m2', label: 'FP8 E5M2', short: 'FP8e5m2', modelPicker: false },
  e3m2: { token: 'fp6e3m2', label: 'FP6 E3M2', short: 'FP6e3m2', modelPicker: true },
  e2m3: { token: 'fp6e2m3', label: 'FP6 E2M3', short: 'FP6e2m3', modelPicker: false },
  e2m1: { token: 'fp4', label: 'FP4 E2M1', short: 'FP4', modelPicker: true },
};

function intRow(bits: IntBits, symmetric: boolean): WeightFormatRow {
  const a = symmetric ? '' : 'a';
  return {
    format: { kind: 'int', bits, symmetric },
    token: `${bits}${a}`,
    label: `INT${bits} ${symmetric ? 'symmetric' : 'asymmetric'}`,
    short: `W${bits}${a}`,
    codeBits: bits,
    kernelName: `int${bits}${symmetric ? 's' : 'a'}`,
    // Whole models: symmetric widths the playground has always offered (INT7 and asymmetric stay readable from links).
    modelPicker: symmetric && bits !== 7,
  };
}

/** Every weight format: INT2..8 symmetric and asymmetric, then the FP element formats (FP_SPECS' order). */
export const WEIGHT_FORMAT_ROWS: readonly WeightFormatRow[] = [
  ...INT_BITS.flatMap((bits) => [intRow(bits, true), intRow(bits, false)]),
  ...(Object.keys(FP_SPECS) as FpName[]).map((name) => ({
    format: { kind: 'fp', name } as const,
    ...FP_WORDS[name],
    codeBits: FP_SPECS[name].bits,
    kernelName: `fp-${name}`,
  })),
];

/** The row's key without a lookup (int4s / fp-e2m1), so that rows can be found by format. */
function weightFormatKey(f: WeightFormat): string {
  return f.kind === 'int' ? `int${f.bits}${f.symmetric ? 's' : 'a'}` : `fp-${f.name}`;
}

const WEIGHT_ROW_BY_KEY = new Map(WEIGHT_FORMAT_ROWS.map((r) => [r.kernelName, r]));

export function weightFormatRow(format: WeightFormat): WeightFormatRow {
  const row = WEIGHT_ROW_BY_KEY.get(weightFormatKey(format));
  if (!row) throw new RangeError(`no vocabulary row for weight format ${JSON.stringify(format)}`);
  return row;
}

export interface GranularityRow {
  readonly granularity: Granularity;
  /** Grammar token at the end of the weight part: 't', 'c', 'g32'. */
  readonly token: string;
  /** Picker label: 'Per tensor', 'Per output channel', 'Groups of 32'. */
  readonly label: string;
  /** Column label suffix: 'per-tensor', 'per-ch', 'g32'. */
  readonly short: string;
  /** Packed-weight and chart variant name: 'tensor', 'channel', 'g32'. */
  readonly name: string;
}

export const GRANULARITY_ROWS: readonly GranularityRow[] = [
  ...GROUP_SIZES.map((size) => ({
    granularity: { kind: 'group', size } as const,
    token: `g${size}`,
    label: `Groups of ${size}`,
    short: `g${size}`,
    name: `g${size}`,
  })),
  { granularity: { kind: 'channel' }, token: 'c', label: 'Per output channel', short: 'per-ch', name: 'channel' },
  { granularity: { kind: 'tensor' }, token: 't', label: 'Per tensor', short: 'per-tensor', name: 'tensor' },
];

export function granularityRow(g: Granularity): GranularityRow {
  const row = GRANULARITY_ROWS.find(
    (r) =>
      r.granularity.kind === g.kind &&
      (g.kind !== 'group' || (r.granularity.kind === 'group' && r.granularity.size === g.size)),
  );
  if (!row) throw new RangeError(`no vocabulary row for granularity ${JSON.stringify(g)}`);
  return row;
}

export type QuantizedActivationFormat = Exclude<ActivationFormat, { kind: 'none' }>;

export interface ActivationFormatRow {
  readonly format: QuantizedActivationFormat;
  /** Grammar token after 'A' (before the optional 't'): '8', 'fp8e4m3'. */
  readonly token: string;
  /** Picker label: 'INT8', 'FP8 E4M3'. */
  readonly label: string;
  /** Column and chart label: 'A8', 'Afp8'. */
  readonly short: string;
  readonly bits: number;
  /** Pipeline-cache name: 'int8', 'fp-e4m3'. */
  readonly kernelName: string;
}

const FP8_ACTIVATIONS = ['e4m3', 'e5m2'] as const;

export const ACTIVATION_FORMAT_ROWS: readonly ActivationFormatRow[] = [
  ...INT_BITS.map((bits) => ({
    format: { kind: 'int', bits } as const,
    token: `${bits}`,
    label: `INT${bits}`,
    short: `A${bits}`,
    bits,
    kernelName: `int${bits}`,
  })),
  ...FP8_ACTIVATIONS.map((name) => ({
    format: { kind: 'fp', name } as const,
    token: FP_WORDS[name].token,
    label: FP_WORDS[name].label,
    short: 'Afp8',
    bits: FP_SPECS[name].bits,
    kernelName: `fp-${name}`,
  })),
];

export function activationFormatRow(f: QuantizedActivationFormat): ActivationFormatRow {
  const row = ACTIVATION_FORMAT_ROWS.find((r) => r.kernelName === (f.kind === 'int' ? `int${f.bits}` : `fp-${f.name}`));
  if (!row) throw new RangeError(`no vocabulary row for activation format ${JSON.stringify(f)}`);
  return row;
}

/** The losses of the shipped QAT students (each a bundle trained for one setting). */
export type QatLoss = 'task' | 'fkl' | 'rkl' | 'topkld' | 'mse';

export type MethodKind = 'rtn' | 'clip' | 'smoothquant' | 'gptq' | 'qat';

export interface MethodRow {
  readonly kind: MethodKind;
  /** Trained methods: the loss; absent for post-training methods. */
  readonly loss?: QatLoss;
  /** Grammar token ('sq' takes its alpha after it: 'sq0.5'); trained methods also name their student bundles. */
  readonly token: string;
  /** Picker label. */
  readonly label: string;
  /** Column and chart label. */
  readonly short: string;
  /** A trained student bundle runs it (it is not applied to the model's own weights). */
  readonly trained: boolean;
}

export const METHOD_ROWS: readonly MethodRow[] = [
  { kind: 'rtn', token: 'rtn', label: 'RTN (round to nearest)', short: 'RTN', trained: false },
  { kind: 'clip', token: 'clip', label: 'RTN + MSE clipping', short: 'RTN + clipping', trained: false },
  { kind: 'smoothquant', token: 'sq', label: 'SmoothQuant', short: 'SmoothQuant', trained: false },
  { kind: 'gptq', token: 'gptq', label: 'GPTQ', short: 'GPTQ', trained: false },
  { kind: 'qat', loss: 'task', token: 'qat-task', label: 'QAT, task loss', short: 'QAT (task loss)', trained: true },
  { kind: 'qat', loss: 'fkl', token: 'qat-fkl', label: 'QAT, forward KL', short: 'QAT + forward KL', trained: true },
  { kind: 'qat', loss: 'rkl', token: 'qat-rkl', label: 'QAT, reverse KL', short: 'QAT + reverse KL', trained: true },
  {
    kind: 'qat',
    loss: 'topkld',
    token: 'qat-topkld',
    label: 'QAT, TopKLD (our reconstruction)',
    short: 'TopKLD (our reconstruction)',
    trained: true,
  },
  {
    kind: 'qat',
    loss: 'mse',
    token: 'qat-mse',
    label: 'QAT, output MSE distillation',
    short: 'QAT + MSE distillation',
    trained: true,
  },
];

export function methodRowByToken(token: string): MethodRow | undefined {
  return METHOD_ROWS.find((r) => r.token === token);
}

export function methodRow(m: { kind: MethodKind; loss?: QatLoss }): MethodRow {
  const row = METHOD_ROWS.find((r) => r.kind === m.kind && r.loss === (m.kind === 'qat' ? m.loss : undefined));
  if (!row) throw new RangeError(`no vocabulary row for method ${JSON.stringify(m)}`);
  return row;
}

/** The modifiers after a setting's method (issue 15), each a field of QuantSetting['transforms']. */
export type TransformKey = 'hadamard' | 'lowRank' | 'timestepGroups' | 'mixedBits';

export interface TransformRow {
  readonly key: TransformKey;
  /** Grammar token after '-' ('had'); an argument follows it directly for the others ('lr16', 'tg10', 'mp3.5'). */
  readonly token: string;
  /** What follows the token: nothing, an integer >= 1, or an average number of weight bits. */
  readonly argument: 'none' | 'integer' | 'bits';
  /** How the argument reads in error messages and legends ('<rank>'). */
  readonly argumentName?: string;
  /** Picker label. */
  readonly label: string;
  /** Column and chart label (the argument follows it). */
  readonly short: string;
  /** One line for legends and tooltips, including what it adds to the bit accounting. */
  readonly explanation: string;
}

/** In the order they are printed. */
export const TRANSFORM_ROWS: readonly TransformRow[] = [
  {
    key: 'hadamard',
    token: 'had',
    argument: 'none',
    label: 'Hadamard rotation',
    short: 'Had',
    explanation:
      "Rotates each quantised Linear's input space by a random-sign Walsh–Hadamard matrix (weights offline, activations at run time) so that outlier channels spread over all channels; adds no stored bits (the signs come from a fixed seed).",
  },
  {
    key: 'lowRank',
    token: 'lr',
    argument: 'integer',
    argumentName: '<rank>',
    label: 'Low-rank 16-bit branch',
    short: 'LR',
    explanation:
      "SVDQuant: smooths activation outliers into the weights (when activations are quantised), keeps each weight's top-r singular directions as a 16-bit branch run beside the low-bit matmul, and quantises only the residual; the branch's (N + K) r f16 values count in the bits.",
  },
  {
    key: 'timestepGroups',
    token: 'tg',
    argument: 'integer',
    argumentName: '<k>',
    label: 'Timestep-grouped activation scales',
    short: 'TG',
    explanation:
      'DiT: one calibrated static activation scale per group of k sampling timesteps instead of one for all.',
  },
  {
    key: 'mixedBits',
    token: 'mp',
    argument: 'bits',
    argumentName: '<bits>',
    label: 'Per-layer mixed precision',
    short: 'MP',
    explanation: 'Weight bits chosen per Linear by sensitivity, at an average of B bits per weight.',
  },
];

export function transformRow(key: TransformKey): TransformRow {
  const row = TRANSFORM_ROWS.find((r) => r.key === key);
  if (!row) throw new RangeError(`no vocabulary row for transform ${key}`);
  return row;
}

/** Short, stable name used in pipeline cache keys and packed-weight labels: int4s, int3a, fp-e2m1. */
export function formatName(format: WeightFormat): string {
  return weightFormatRow(format).kernelName;
}

export function granularityName(g: Granularity): string {
  return granularityRow(g).name;
}
