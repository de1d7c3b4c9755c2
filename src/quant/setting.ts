/**
 * A quantisation setting: everything that decides how a model is quantised, as one value that serialises to
 * a short string for URLs, chart legends and cache keys, and parses back with a clear error.
 *
 *   fp32                       full precision
 *   W4g128-A8                  INT4 symmetric weights, groups of 128; INT8 per-token activations
 *   W3ac-A16                   INT3 asymmetric per-channel weights; activations not quantised
 *   Wfp4g32-Afp8e4m3t-Lqp12ah  FP4 E2M1 weights; FP8 per-tensor activations; layers incl. embeddings/head
 *   W4g128-A8-sq0.5            ... with SmoothQuant, migration strength 0.5
 *   W4g32-A4-had               ... RTN on a randomized Hadamard rotation of every quantised Linear's input
 *
 * Grammar: 'fp32' | W [-A] [-L<layers>] [-<method>] [-<modifier>...], parts in this order, defaults omitted.
 *   W: 'W' (<bits 2..8>['a'] | fp8e4m3 | fp8e5m2 | fp6e3m2 | fp6e2m3 | fp4) ('t' | 'c' | 'g32' | 'g64' | 'g128')
 *   A: 'A16' (none, the default) | 'A'<bits 2..8>['t'] | 'Afp8e4m3'['t'] | 'Afp8e5m2'['t']   ('t' = per tensor)
 *   L: letters from q (qkv) p (attention proj) 1 (fc1) 2 (fc2) a (adaLN) e (embeddings) h (head);
 *      default 'qp12a' = every Linear inside the transformer blocks.
 *   method: rtn (default) | clip (RTN with MSE clipping search) | sq<alpha> | gptq
 *   modifier (transforms, issue 15; any order when read, printed in TRANSFORM_ROWS' order, each at most once):
 *      had (Hadamard rotation) | lr<rank >= 1> | tg<k >= 1> | mp<average weight bits within the format's range>;
 *      they need something quantised (lr and mp: weights; tg: activations) and no trained student.
 *   '~qat-<loss>' after all that: a trained method (a QAT student bundle trained for the RTN setting before it),
 *      e.g. W3g32~qat-topkld; the form links have used since students were added.
 * Every token comes from the vocabulary (vocabulary.ts); 'W32' and 'A16'/'A32' read as "not quantised".
 */
import type { ActivationFormat, Granularity, WeightFormat } from './formats';
import {
  ACTIVATION_FORMAT_ROWS,
  GRANULARITY_ROWS,
  METHOD_ROWS,
  NOT_QUANTISED_BITS,
  TRANSFORM_ROWS,
  WEIGHT_FORMAT_ROWS,
  activationFormatRow,
  granularityRow,
  methodRow,
  methodRowByToken,
  weightFormatRow,
  type QatLoss,
  type TransformRow,
} from './vocabulary';
import { FP_SPECS, INT_BITS } from './formats';

export type LayerKind = 'qkv' | 'proj' | 'fc1' | 'fc2' | 'adaLN' | 'embed' | 'head';
/** How the quantised weights are found; 'qat' runs a student bundle trained for the setting (with RTN weights). */
export type QuantMethod =
  | { kind: 'rtn' }
  | { kind: 'clip' }
  | { kind: 'smoothquant'; alpha: number }
  | { kind: 'gptq' }
  | { kind: 'qat'; loss: QatLoss };

/**
 * Modifiers that change the model around the quantiser (issue 15). Absent fields are off; a setting without any
 * has no `transforms` at all (parseSetting never writes an empty one), so older literals stay canonical.
 */
export interface SettingTransforms {
  /** -had: randomized Hadamard rotation of each quantised Linear's input dimension (src/quant/hadamard.ts). */
  readonly hadamard?: boolean;
  /** -lr<r>: rank of a 16-bit low-rank weight branch. */
  readonly lowRank?: number;
  /** -tg<k>: DiT static activation scales per group of k timesteps. */
  readonly timestepGroups?: number;
  /** -mp<B>: per-layer mixed precision at an average of B weight bits. */
  readonly mixedBits?: number;
}

export interface QuantSetting {
  weight: { format: WeightFormat; granularity: Granularity } | null;
  activation: { format: ActivationFormat; perTensor: boolean };
  layers: readonly LayerKind[];
  method: QuantMethod;
  transforms?: SettingTransforms;
}

export class SettingParseError extends Error {
  readonly code = 'invalid-setting';
  readonly fix: string;
  constructor(text: string, problem: string) {
    super(`"${text}" is not a quantisation setting: ${problem}.`);
    this.name = 'SettingParseError';
    this.fix = 'Use a setting such as fp32, W8c-A8, W4g128-A16 or Wfp4g32-A8 (see the legend of the setting picker).';
  }
}

const LAYER_LETTERS: Record<LayerKind, string> = {
  qkv: 'q',
  proj: 'p',
  fc1: '1',
  fc2: '2',
  adaLN: 'a',
  embed: 'e',
  head: 'h',
};
const LAYER_ORDER = Object.keys(LAYER_LETTERS) as LayerKind[];
export const DEFAULT_LAYERS: readonly LayerKind[] = ['qkv', 'proj', 'fc1', 'fc2', 'adaLN'];

export const RTN: QuantMethod = { kind: 'rtn' };

export const FULL_PRECISION: QuantSetting = {
  weight: null,
  activation: { format: { kind: 'none' }, perTensor: false },
  layers: DEFAULT_LAYERS,
  method: RTN,
};

/** The setting's one text form (URLs, exports, sweep files, cache keys): canonical, so equal settings print equal. */
export function settingToString(s: QuantSetting): string {
  if (s.method.kind === 'qat') return `${settingToString({ ...s, method: RTN })}~${methodRow(s.method).token}`;
  if (!s.weight && s.activation.format.kind === 'none') return 'fp32';
  const parts: string[] = [
    s.weight
      ? `W${weightFormatRow(s.weight.format).token}${granularityRow(s.weight.granularity).token}`
      : `W${NOT_QUANTISED_BITS}`,
  ];
  if (s.activation.format.kind !== 'none')
    parts.push(`A${activationFormatRow(s.activation.format).token}${s.activation.perTensor ? 't' : ''}`);
  const layers = LAYER_ORDER.filter((l) => s.layers.includes(l));
  if (layers.join() !== DEFAULT_LAYERS.join()) parts.push(`L${layers.map((l) => LAYER_LETTERS[l]).join('')}`);
  if (s.method.kind !== 'rtn')
    parts.push(
      s.method.kind === 'smoothquant' ? `${methodRow(s.method).token}${s.method.alpha}` : methodRow(s.method).token,
    );
  parts.push(...transformTokens(s.transforms));
  return parts.join('-');
}

/** The modifier tokens of `t`, in TRANSFORM_ROWS' order ('had', 'lr16'); none for defaults. */
function transformTokens(t: SettingTransforms | undefined): string[] {
  if (!t) return [];
  return TRANSFORM_ROWS.flatMap((row) => {
    const value = t[row.key];
    if (value === undefined || value === false) return [];
    return [row.argument === 'none' ? row.token : `${row.token}${value}`];
  });
}

/** True when the setting has at least one modifier on. */
export function hasTransforms(s: QuantSetting): boolean {
  return transformTokens(s.transforms).length > 0;
}

export function parseSetting(text: string): QuantSetting {
  const fail = (problem: string): never => {
    throw new SettingParseError(text, problem);
  };
  const [main, trained, ...extra] = text.trim().split('~');
  if (extra.length > 0) fail('it has more than one "~"');
  const setting = parseMain(main, fail);
  if (trained === undefined) return setting;
  const row = methodRowByToken(trained);
  if (!row?.trained)
    fail(
      `"${trained}" is not a trained method (${METHOD_ROWS.filter((r) => r.trained)
        .map((r) => r.token)
        .join(', ')})`,
    );
  if (setting.method.kind !== 'rtn')
    fail('a trained student runs its own RTN weights, so it takes no post-training method');
  if (setting.transforms)
    fail(
      `a trained student runs the weights it was trained with, so it takes no modifier (-${transformTokens(setting.transforms).join(', -')})`,
    );
  return { ...setting, method: { kind: 'qat', loss: row!.loss! } };
}

/**
 * A setting that arrived as data (a worker message, a test's literal): checked and made canonical by printing it
 * and reading it back, so a malformed object fails here with a SettingParseError instead of deep in the engine.
 */
export function checkSetting(value: unknown): QuantSetting {
  let text: string;
  try {
    text = settingToString(value as QuantSetting);
  } catch {
    throw new SettingParseError(
      JSON.stringify(value) ?? String(value),
      'it is not a QuantSetting object (weight, activation, layers, method)',
    );
  }
  return parseSetting(text);
}

/** Equal settings (their canonical text is equal). */
export function sameSetting(a: QuantSetting, b: QuantSetting): boolean {
  return settingToString(a) === settingToString(b);
}

/** Bits per weight of the codes alone (what the scaling-law x axis multiplies by parameters, before scales). */
export function weightCodeBits(s: QuantSetting): number {
  return s.weight ? weightFormatRow(s.weight.format).codeBits : NOT_QUANTISED_BITS;
}

/** Bits of the activations fed to the quantised Linears. */
export function activationCodeBits(s: QuantSetting): number {
  const a = s.activation.format;
  return a.kind === 'none' ? NOT_QUANTISED_BITS : activationFormatRow(a).bits;
}

function parseMain(trimmed: string, fail: (p: string) => never): QuantSetting {
  if (trimmed === 'fp32') return FULL_PRECISION;
  const parts = trimmed.split('-');
  const wPart = parts.shift() ?? '';
  if (!wPart.startsWith('W')) fail('it must start with W (weights) or be fp32');
  const weight = wPart === `W${NOT_QUANTISED_BITS}` ? null : parseWeight(wPart.slice(1), fail);
  let activation: QuantSetting['activation'] = FULL_PRECISION.activation;
  if (parts[0]?.startsWith('A')) activation = parseActivation(parts.shift()!.slice(1), fail);
  let layers = DEFAULT_LAYERS;
  if (parts[0]?.startsWith('L')) layers = parseLayers(parts.shift()!.slice(1), fail);
  let method: QuantMethod = RTN;
  if (parts.length > 0 && !transformRowOf(parts[0])) method = parseMethod(parts.shift()!, fail);
  const transforms: { -readonly [K in keyof SettingTransforms]: SettingTransforms[K] } = {};
  for (const token of parts) {
    const row = transformRowOf(token);
    if (!row) {
      fail(
        methodRowByToken(token) || /^sq/.test(token)
          ? `the method "${token}" must come before the modifiers`
          : `unknown modifier "${token}" (${modifierList()})`,
      );
    }
    if (transforms[row!.key] !== undefined) fail(`the modifier -${row!.token} appears twice`);
    transforms[row!.key] = parseTransform(row!, token.slice(row!.token.length), weight, fail) as never;
  }
  const setting: QuantSetting = { weight, activation, layers, method };
  if (Object.keys(transforms).length === 0) return setting;
  requireQuantised(setting, transforms, fail);
  return { ...setting, transforms };
}

function modifierList(): string {
  return TRANSFORM_ROWS.map((r) => `-${r.token}${r.argumentName ?? ''}`).join(', ');
}

/** The modifier row a token starts with ('had', 'lr<...>'), if any; method tokens never do. */
function transformRowOf(token: string): TransformRow | undefined {
  return TRANSFORM_ROWS.find((r) => (r.argument === 'none' ? token === r.token : token.startsWith(r.token)));
}

function parseTransform(
  row: TransformRow,
  arg: string,
  weight: QuantSetting['weight'],
  fail: (p: string) => never,
): boolean | number {
  if (row.argument === 'none') return true;
  if (row.argument === 'integer') {
    if (!/^\d+$/.test(arg) || Number(arg) < 1)
      return fail(`-${row.token}${row.argumentName} needs a whole number >= 1, got "${arg}"`);
    return Number(arg);
  }
  if (!weight) return fail(`-${row.token}${row.argumentName} needs quantised weights to spread bits over`);
  const [lo, hi] = weightBitsRange(weight.format);
  const bits = Number(arg);
  if (!/^\d+(\.\d+)?$/.test(arg) || bits < lo || bits > hi)
    return fail(
      `-${row.token}${row.argumentName}: "${arg}" is not a number of bits within ${lo}..${hi} for this weight format`,
    );
  return bits;
}

/** The average-bits range a mixed-precision budget may take for a weight format: its family's widths. */
export function weightBitsRange(format: WeightFormat): [number, number] {
  const bits = format.kind === 'int' ? [...INT_BITS] : Object.values(FP_SPECS).map((f) => f.bits);
  return [Math.min(...bits), Math.max(...bits)];
}

function requireQuantised(s: QuantSetting, t: SettingTransforms, fail: (p: string) => never): void {
  if (!s.weight && s.activation.format.kind === 'none')
    fail('nothing is quantised, so a modifier has nothing to act on');
  if (t.lowRank !== undefined && !s.weight)
    fail('-lr<rank> splits quantised weights, and the weights are not quantised');
  if (t.timestepGroups !== undefined && s.activation.format.kind === 'none')
    fail('-tg<k> groups activation scales, and the activations are not quantised');
}

function parseWeight(body: string, fail: (p: string) => never): QuantSetting['weight'] {
  for (const f of WEIGHT_FORMAT_ROWS) {
    if (!body.startsWith(f.token)) continue;
    const g = GRANULARITY_ROWS.find((r) => r.token === body.slice(f.token.length));
    if (g) return { format: f.format, granularity: g.granularity };
  }
  return fail(`weight part "W${body}" should be like W4g128, W3ac or Wfp4g32`);
}

function parseActivation(body: string, fail: (p: string) => never): QuantSetting['activation'] {
  // 'A16' is how links and sweep files said "not quantised" before NOT_QUANTISED_BITS; both read the same.
  if (body === '16' || body === `${NOT_QUANTISED_BITS}`) return FULL_PRECISION.activation;
  const perTensor = body.endsWith('t');
  const row = ACTIVATION_FORMAT_ROWS.find((r) => r.token === (perTensor ? body.slice(0, -1) : body));
  if (!row) return fail(`activation part "A${body}" should be like A8, A4t, Afp8e4m3 or A16`);
  return { format: row.format, perTensor };
}

function parseLayers(body: string, fail: (p: string) => never): LayerKind[] {
  const layers: LayerKind[] = [];
  for (const ch of body) {
    const layer = LAYER_ORDER.find((l) => LAYER_LETTERS[l] === ch);
    if (!layer) fail(`unknown layer letter "${ch}" (use q p 1 2 a e h)`);
    else if (!layers.includes(layer)) layers.push(layer);
  }
  if (layers.length === 0) fail('the layer list is empty');
  return LAYER_ORDER.filter((l) => layers.includes(l));
}

function parseMethod(token: string, fail: (p: string) => never): QuantMethod {
  const row = methodRowByToken(token);
  if (row && !row.trained && row.kind !== 'smoothquant') return { kind: row.kind } as QuantMethod;
  const sqToken = methodRow({ kind: 'smoothquant' }).token;
  const sq = new RegExp(`^${sqToken}(0(?:\\.\\d+)?|1(?:\\.0+)?)$`).exec(token);
  if (sq) return { kind: 'smoothquant', alpha: Number(sq[1]) };
  const ptq = METHOD_ROWS.filter((r) => !r.trained).map((r) =>
    r.kind === 'smoothquant' ? `${r.token}<alpha in 0..1>` : r.token,
  );
  return fail(
    `unknown method or modifier "${token}" (methods ${ptq.join(', ')}; modifiers ${modifierList()}; a trained student is written ~qat-<loss> at the end)`,
  );
}
