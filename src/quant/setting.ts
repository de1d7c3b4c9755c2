/**
 * A quantisation setting: everything that decides how a model is quantised, as one value that serialises to
 * a short string for URLs, chart legends and cache keys, and parses back with a clear error.
 *
 *   fp32                       full precision
 *   W4g128-A8                  INT4 symmetric weights, groups of 128; INT8 per-token activations
 *   W3ac-A16                   INT3 asymmetric per-channel weights; activations not quantised
 *   Wfp4g32-Afp8e4m3t-Lqp12ah  FP4 E2M1 weights; FP8 per-tensor activations; layers incl. embeddings/head
 *   W4g128-A8-sq0.5            ... with SmoothQuant, migration strength 0.5
 *
 * Grammar: 'fp32' | W [-A] [-L<layers>] [-<method>], parts in this order, defaults omitted.
 *   W: 'W' (<bits 2..8>['a'] | fp8e4m3 | fp8e5m2 | fp6e3m2 | fp6e2m3 | fp4) ('t' | 'c' | 'g32' | 'g64' | 'g128')
 *   A: 'A16' (none, the default) | 'A'<bits 2..8>['t'] | 'Afp8e4m3'['t'] | 'Afp8e5m2'['t']   ('t' = per tensor)
 *   L: letters from q (qkv) p (attention proj) 1 (fc1) 2 (fc2) a (adaLN) e (embeddings) h (head);
 *      default 'qp12a' = every Linear inside the transformer blocks.
 *   method: rtn (default) | clip (RTN with MSE clipping search) | sq<alpha> | gptq
 */
import type { ActivationFormat, FpName, Granularity, IntBits, WeightFormat } from './formats';

export type LayerKind = 'qkv' | 'proj' | 'fc1' | 'fc2' | 'adaLN' | 'embed' | 'head';
export type QuantMethod = { kind: 'rtn' } | { kind: 'clip' } | { kind: 'smoothquant'; alpha: number } | { kind: 'gptq' };

export interface QuantSetting {
  weight: { format: WeightFormat; granularity: Granularity } | null;
  activation: { format: ActivationFormat; perTensor: boolean };
  layers: readonly LayerKind[];
  method: QuantMethod;
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

const LAYER_LETTERS: Record<LayerKind, string> = { qkv: 'q', proj: 'p', fc1: '1', fc2: '2', adaLN: 'a', embed: 'e', head: 'h' };
const LAYER_ORDER = Object.keys(LAYER_LETTERS) as LayerKind[];
export const DEFAULT_LAYERS: readonly LayerKind[] = ['qkv', 'proj', 'fc1', 'fc2', 'adaLN'];

const FP_WEIGHT_TOKENS: Record<FpName, string> = { e4m3: 'fp8e4m3', e5m2: 'fp8e5m2', e3m2: 'fp6e3m2', e2m3: 'fp6e2m3', e2m1: 'fp4' };

export const FULL_PRECISION: QuantSetting = {
  weight: null,
  activation: { format: { kind: 'none' }, perTensor: false },
  layers: DEFAULT_LAYERS,
  method: { kind: 'rtn' },
};

export function settingToString(s: QuantSetting): string {
  if (!s.weight && s.activation.format.kind === 'none') return 'fp32';
  const parts: string[] = [s.weight ? `W${weightToken(s.weight.format)}${granularityToken(s.weight.granularity)}` : 'W32'];
  if (s.activation.format.kind !== 'none') parts.push(`A${activationToken(s.activation.format)}${s.activation.perTensor ? 't' : ''}`);
  const layers = LAYER_ORDER.filter((l) => s.layers.includes(l));
  if (layers.join() !== DEFAULT_LAYERS.join()) parts.push(`L${layers.map((l) => LAYER_LETTERS[l]).join('')}`);
  if (s.method.kind !== 'rtn') parts.push(methodToken(s.method));
  return parts.join('-');
}

export function parseSetting(text: string): QuantSetting {
  const trimmed = text.trim();
  if (trimmed === 'fp32') return FULL_PRECISION;
  const parts = trimmed.split('-');
  const fail = (problem: string): never => {
    throw new SettingParseError(text, problem);
  };
  const wPart = parts.shift() ?? '';
  if (!wPart.startsWith('W')) fail('it must start with W (weights) or be fp32');
  const weight = wPart === 'W32' ? null : parseWeight(wPart.slice(1), fail);
  let activation: QuantSetting['activation'] = FULL_PRECISION.activation;
  if (parts[0]?.startsWith('A')) activation = parseActivation(parts.shift()!.slice(1), fail);
  let layers = DEFAULT_LAYERS;
  if (parts[0]?.startsWith('L')) layers = parseLayers(parts.shift()!.slice(1), fail);
  let method: QuantMethod = { kind: 'rtn' };
  if (parts.length > 0) method = parseMethod(parts.shift()!, fail);
  if (parts.length > 0) fail(`unexpected "${parts.join('-')}" at the end`);
  return { weight, activation, layers, method };
}

/** Bits per weight of the codes alone (what the scaling-law x axis multiplies by parameters, before scales). */
export function weightCodeBits(s: QuantSetting): number {
  if (!s.weight) return 32;
  const f = s.weight.format;
  return f.kind === 'int' ? f.bits : { e4m3: 8, e5m2: 8, e3m2: 6, e2m3: 6, e2m1: 4 }[f.name];
}

function weightToken(f: WeightFormat): string {
  return f.kind === 'int' ? `${f.bits}${f.symmetric ? '' : 'a'}` : FP_WEIGHT_TOKENS[f.name];
}

function granularityToken(g: Granularity): string {
  return g.kind === 'tensor' ? 't' : g.kind === 'channel' ? 'c' : `g${g.size}`;
}

function activationToken(f: ActivationFormat): string {
  return f.kind === 'int' ? `${f.bits}` : f.kind === 'fp' ? `fp8${f.name}` : '16';
}

function methodToken(m: QuantMethod): string {
  return m.kind === 'smoothquant' ? `sq${m.alpha}` : m.kind;
}

function parseWeight(body: string, fail: (p: string) => never): QuantSetting['weight'] {
  const match = /^(?:([2-8])(a?)|(fp8e4m3|fp8e5m2|fp6e3m2|fp6e2m3|fp4))(t|c|g32|g64|g128)$/.exec(body);
  if (!match) return fail(`weight part "W${body}" should be like W4g128, W3ac or Wfp4g32`);
  const [, bits, asym, fpToken, gran] = match;
  const format: WeightFormat = bits
    ? { kind: 'int', bits: Number(bits) as IntBits, symmetric: asym !== 'a' }
    : { kind: 'fp', name: (Object.keys(FP_WEIGHT_TOKENS) as FpName[]).find((n) => FP_WEIGHT_TOKENS[n] === fpToken)! };
  const granularity: Granularity = gran === 't' ? { kind: 'tensor' } : gran === 'c' ? { kind: 'channel' } : { kind: 'group', size: Number(gran!.slice(1)) as 32 | 64 | 128 };
  return { format, granularity };
}

function parseActivation(body: string, fail: (p: string) => never): QuantSetting['activation'] {
  if (body === '16') return FULL_PRECISION.activation;
  const match = /^(?:([2-8])|fp8(e4m3|e5m2))(t?)$/.exec(body);
  if (!match) return fail(`activation part "A${body}" should be like A8, A4t, Afp8e4m3 or A16`);
  const [, bits, fp, perTensor] = match;
  const format: ActivationFormat = bits ? { kind: 'int', bits: Number(bits) as IntBits } : { kind: 'fp', name: fp as 'e4m3' | 'e5m2' };
  return { format, perTensor: perTensor === 't' };
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
  if (token === 'rtn' || token === 'clip' || token === 'gptq') return { kind: token };
  const sq = /^sq(0(?:\.\d+)?|1(?:\.0+)?)$/.exec(token);
  if (sq) return { kind: 'smoothquant', alpha: Number(sq[1]) };
  return fail(`unknown method "${token}" (rtn, clip, sq<alpha in 0..1>, gptq)`);
}
