/**
 * The memory planner: GPU bytes of a model at a QuantSetting, from its config alone (no weights), checked
 * against the adapter's limits BEFORE anything is uploaded, so a model too large for the device is refused with
 * a typed error instead of crashing the tab.
 *
 *   const plan = planVarMemory('var-d16', config, setting, { batch: 1, tokenizer, decoderBytes });
 *   requireMemoryFits(plan, device.limits);            // throws ModelError 'memory-over-budget' / 'tensor-too-large'
 *
 * What is counted, buffer by buffer, as the runtime creates it (so the sizes include the runtime's padding):
 *  - weights: per Linear either the packed codes + f16 group scales (+ offsets for asymmetric INT), laid out as
 *    src/quant/formats.ts says and uploaded by GpuPackedWeight (each array rounded up to whole u32 words), or
 *    the unquantised weight as the runtime keeps it: the bundle's f16 as f16 (`unquantisedBytes` 2, the default:
 *    docs/bundle-format.md stores every VAR and DiT weight as F16), except SmoothQuant-smoothed weights that stay
 *    unquantised (computed in f32, uploaded as f32);
 *    biases and the other tensors the forward reads (uploadWords: >= 16 bytes);
 *  - activations: the sampler's Workspace for `batch` images (cond + uncond rows), buffers rounded up to 16 bytes
 *    (DiT: with every step's timesteps and noise, `steps` of them);
 *  - the VAR KV cache: 2 x depth x (2 batch) x L x C values in `kvFormat` (varKvCacheWords: f16 by default,
 *    f32 doubles it, q8 is a quarter of f32 plus a word per (token, head) row), L = sum of pn^2 (680 for the
 *    official 10 scales);
 *  - the tokenizer's codebook and phi convs (VAR), and the ONNX decoders/classifier at their file size
 *    (onnxruntime uploads their initializers; a lower bound of what it allocates).
 *
 * The budget rule (defaultMemoryBudget): WebGPU does not tell how much memory the device has. We allow
 * 4 x maxBufferSize, clamped to [1 GiB, 4 GiB]: a device whose largest buffer may be 2 GiB (desktop GPUs, and
 * SwiftShader's 1 GiB bindings in host memory) is asked for at most 4 GiB in one tab, which Chromium's GPU
 * process survives on the machines we test; 4 GiB is also the largest allocation a 32-bit browser can address.
 * Callers override it with `budgetBytes` (DeviceModels.memoryBudgetBytes).
 */
import {
  codeBits,
  groupSizeFor,
  hasOffset,
  wordsPerRow,
  type Granularity,
  type WeightFormat,
} from '../../quant/formats';
import { WEIGHT_FORMAT_ROWS } from '../../quant/vocabulary';
import { settingToString, type QuantSetting } from '../../quant/setting';
import type { DitConfig, VarConfig, VqvaeConfig } from '../bundle/types.ts';
import { DEFAULT_KV_FORMAT, varLinearSpecs, varSamplerNeeds, type VarKvFormat } from '../var/varConfig';
import { ditLinearSpecs, ditTokens, ditWorkspaceNeeds } from '../dit/ditConfig';
import { activationQuantized, weightQuantized, type LinearSpec } from './layers';
import { ModelError } from './errors';
import { lowRankBuffers, smoothFoldOf } from './methodWeights';

export type MemoryPart = 'weights' | 'other' | 'activations' | 'kvCache' | 'tokenizer' | 'decoder';

export interface PlannedBuffer {
  readonly name: string;
  readonly part: MemoryPart;
  readonly bytes: number;
}

export interface MemoryPlan {
  readonly model: string;
  readonly setting: QuantSetting;
  /** Bytes per part; `total` is their sum. */
  readonly bytes: Readonly<Record<MemoryPart, number>> & { readonly total: number };
  /** Bytes VarModel.load / DitModel.load allocate (weights + other): what the GPU test measures. */
  readonly modelLoadBytes: number;
  /** The largest single buffer (the one a binding limit would hit first). */
  readonly largest: PlannedBuffer;
  readonly buffers: readonly PlannedBuffer[];
}

export interface PlanOptions {
  /** Images per sampling run (the engine generates one per column); rows are 2 x batch (cond + uncond). Default 1. */
  readonly batch?: number;
  /** Bytes per unquantised Linear weight value on the GPU: 2 (the bundle's f16 kept as f16, the default) or 4 (an f32 bundle). */
  readonly unquantisedBytes?: 2 | 4;
  /** Bytes of the ONNX decoder (and classifier) files the heads load; 0 when none. */
  readonly decoderBytes?: number;
  /** The VAR tokenizer (codebook + phi convs on the GPU); omitted: not counted. */
  readonly tokenizer?: VqvaeConfig;
  /** DiT sampling steps (the sampler keeps every step's timesteps and noise on the GPU); default 250, the official count. */
  readonly steps?: number;
  /** minStorageBufferOffsetAlignment of the device (per-scale and per-step regions are aligned to it); default 256. */
  readonly alignment?: number;
  /** VAR: how the KV cache is stored (VarModel's kvFormat); default DEFAULT_KV_FORMAT (f16). */
  readonly kvFormat?: VarKvFormat;
}

export interface MemoryLimits {
  readonly maxBufferSize: number;
  readonly maxStorageBufferBindingSize: number;
}

const GiB = 1024 ** 3;

/** The default total budget for one model: 4 x maxBufferSize, clamped to [1 GiB, 4 GiB] (rule in the header). */
export function defaultMemoryBudget(limits: MemoryLimits): number {
  return Math.min(4 * GiB, Math.max(GiB, 4 * limits.maxBufferSize));
}

// ---- buffer sizes exactly as the runtime rounds them ----

/** uploadWords: whole u32 words, at least 16 bytes. */
export const uploadBytes = (bytes: number): number => Math.max(16, Math.ceil(bytes / 4) * 4);
/** createStorage / Workspace.reserve: at least 16 bytes, a multiple of 16. */
export const storageBytes = (elements: number): number => Math.max(16, Math.ceil(Math.max(16, elements * 4) / 16) * 16);
/** GpuPackedWeight's uploadArray: whole u32 words, at least 4 bytes. */
const packedArrayBytes = (bytes: number): number => Math.max(4, Math.ceil(bytes / 4) * 4);

/** GPU bytes of one packed weight: codes (rows x wordsPerRow u32), f16 scales padded to even length, offsets likewise. */
export function packedWeightBytes(
  rows: number,
  cols: number,
  format: WeightFormat,
  granularity: Granularity,
): { codes: number; scales: number; offsets: number } {
  const codes = packedArrayBytes(rows * wordsPerRow(cols, codeBits(format)) * 4);
  const groups = (granularity.kind === 'tensor' ? 1 : rows) * Math.ceil(cols / groupSizeFor(granularity, cols));
  const scales = packedArrayBytes((groups + (groups % 2)) * 2);
  return { codes, scales, offsets: hasOffset(format) ? scales : 0 };
}

/**
 * Names of the Linears whose weight SmoothQuant replaces with an f32 one (methodWeights.ts, folded): the smoothed
 * qkv / fc1 and the adaLN Linears their 1/s folds into. Those that the setting leaves unquantised stay f32 on the GPU.
 */
function smoothedLinears(setting: QuantSetting, specs: readonly LinearSpec[]): Set<string> {
  const out = new Set<string>();
  if (setting.method.kind !== 'smoothquant') return out;
  for (const spec of specs) {
    const fold = smoothFoldOf(spec.name);
    if (fold && activationQuantized(setting, spec.kind)) out.add(spec.name).add(fold.adaLN);
  }
  return out;
}

function linearBuffers(
  spec: LinearSpec,
  setting: QuantSetting,
  unquantisedBytes: 2 | 4,
  smoothed: ReadonlySet<string>,
): PlannedBuffer[] {
  const out: PlannedBuffer[] = [];
  if (smoothed.has(spec.name)) unquantisedBytes = 4;
  if (weightQuantized(setting, spec.kind) && setting.weight) {
    const p = packedWeightBytes(spec.rows, spec.cols, setting.weight.format, setting.weight.granularity);
    out.push(
      { name: `${spec.name}.codes`, part: 'weights', bytes: p.codes },
      { name: `${spec.name}.scales`, part: 'weights', bytes: p.scales },
    );
    if (p.offsets) out.push({ name: `${spec.name}.offsets`, part: 'weights', bytes: p.offsets });
  } else {
    out.push({
      name: `${spec.name}.weight`,
      part: 'weights',
      bytes: uploadBytes(spec.rows * spec.cols * unquantisedBytes),
    });
  }
  if (spec.bias === 'tensor') out.push({ name: `${spec.name}.bias`, part: 'other', bytes: uploadBytes(spec.rows * 4) });
  for (const b of lowRankBuffers(spec, setting)) out.push({ ...b, bytes: uploadBytes(b.bytes) }); // -lr branch
  // No SmoothQuant input scales: the engine folds 1/s into the adaLN modulation (methodWeights.ts), so GpuLinear
  // uploads none (only the tests' unfolded reference has them).
  return out;
}

const alignElements = (count: number, alignmentBytes: number): number =>
  Math.ceil(count / (alignmentBytes / 4)) * (alignmentBytes / 4);

function workspace(needs: Record<string, number>, part: (name: string) => MemoryPart): PlannedBuffer[] {
  return Object.entries(needs).map(([name, elements]) => ({
    name: `ws.${name}`,
    part: part(name),
    bytes: storageBytes(elements),
  }));
}

function finish(model: string, setting: QuantSetting, buffers: PlannedBuffer[]): MemoryPlan {
  const bytes: Record<MemoryPart, number> = {
    weights: 0,
    other: 0,
    activations: 0,
    kvCache: 0,
    tokenizer: 0,
    decoder: 0,
  };
  let largest = buffers[0];
  for (const b of buffers) {
    bytes[b.part] += b.bytes;
    if (b.part !== 'decoder' && b.bytes > largest.bytes) largest = b;
  }
  const total = Object.values(bytes).reduce((a, b) => a + b, 0);
  return {
    model,
    setting,
    bytes: { ...bytes, total },
    modelLoadBytes: bytes.weights + bytes.other,
    largest,
    buffers,
  };
}

/** VAR at `setting`: VarModel.load's buffers, VarSampler's workspace (KV cache included), the tokenizer, the decoder. */
export function planVarMemory(
  model: string,
  c: VarConfig,
  setting: QuantSetting,
  options: PlanOptions = {},
): MemoryPlan {
  const B = options.batch ?? 1;
  const unq = options.unquantisedBytes ?? 2;
  const align = options.alignment ?? 256;
  const C = c.width;
  const L = c.patchNums.reduce((a, p) => a + p * p, 0);
  const specs = varLinearSpecs(c);
  const smoothed = smoothedLinears(setting, specs);
  const buffers: PlannedBuffer[] = specs.flatMap((s) => linearBuffers(s, setting, unq, smoothed));
  for (let b = 0; b < c.depth; b++) {
    buffers.push(
      { name: `blocks.${b}.attn.q_bias`, part: 'other', bytes: uploadBytes(C * 4) },
      { name: `blocks.${b}.attn.v_bias`, part: 'other', bytes: uploadBytes(C * 4) },
      { name: `blocks.${b}.attn.scale_mul_1H11`, part: 'other', bytes: uploadBytes(c.heads * 4) },
    );
  }
  buffers.push(
    { name: 'levelPos', part: 'other', bytes: uploadBytes(L * C * 4) },
    { name: 'levels', part: 'other', bytes: uploadBytes(L * 4) },
  );

  // VarSampler.sample: 2B rows per token (cond + uncond), the largest scale's tokens at once; the same list.
  const needs = varSamplerNeeds(c, B, options.kvFormat ?? DEFAULT_KV_FORMAT, align);
  const t = options.tokenizer;
  if (t) {
    const latent = B * t.cvae * t.latentSize ** 2;
    Object.assign(needs, { vqSmall: latent, vqFull: latent, fHat: latent });
    buffers.push({ name: 'tokenizer.codebook', part: 'tokenizer', bytes: uploadBytes(t.vocabSize * t.cvae * 4) });
    for (let i = 0; i < t.phiCount; i++) {
      buffers.push(
        { name: `tokenizer.phi${i}.weight`, part: 'tokenizer', bytes: uploadBytes(t.cvae * t.cvae * 9 * 4) },
        { name: `tokenizer.phi${i}.bias`, part: 'tokenizer', bytes: uploadBytes(t.cvae * 4) },
      );
    }
  }
  buffers.push(...workspace(needs, (name) => (/^[kv]\d+$/.test(name) ? 'kvCache' : 'activations')));
  if (options.decoderBytes) buffers.push({ name: 'decoder (ONNX)', part: 'decoder', bytes: options.decoderBytes });
  return finish(model, setting, buffers);
}

/** DiT at `setting`: DitModel.load's buffers, DitSampler's workspace, the decoder. */
export function planDitMemory(
  model: string,
  c: DitConfig,
  setting: QuantSetting,
  options: PlanOptions = {},
): MemoryPlan {
  const B = options.batch ?? 1;
  const unq = options.unquantisedBytes ?? 2;
  const align = options.alignment ?? 256;
  const steps = options.steps ?? 250;
  const D = c.width;
  const T = ditTokens(c);
  const specs = ditLinearSpecs(c);
  const smoothed = smoothedLinears(setting, specs);
  const buffers: PlannedBuffer[] = specs.flatMap((s) => linearBuffers(s, setting, unq, smoothed));
  buffers.push({ name: 'pos_embed', part: 'other', bytes: uploadBytes(T * D * 4) });
  // DitSampler.sample: the forward runs on [x, x] (2B rows), DitModel.workspaceNeeds(2B) + the sampler's own.
  const S = 2 * B;
  const n = c.inChannels * c.inputSize ** 2;
  const needs: Record<string, number> = {
    ...ditWorkspaceNeeds(c, S),
    xIn: S * n,
    modelOut: S * c.outChannels * c.inputSize ** 2,
    eps: B * n,
    latent: B * n,
    // Every step's [2B] timesteps and [B, n] noise, each region on an offset boundary (DDIM too: the buffer is made either way).
    timesteps: steps * alignElements(S, align),
    noises: Math.max(1, steps * alignElements(B * n, align)),
  };
  buffers.push(...workspace(needs, () => 'activations'));
  if (options.decoderBytes) buffers.push({ name: 'decoder (ONNX)', part: 'decoder', bytes: options.decoderBytes });
  return finish(model, setting, buffers);
}

// ---- the check ----

/** The weight formats the whole-model pickers offer (the vocabulary's modelPicker rows), highest bits first. */
const OFFERED_FORMATS = WEIGHT_FORMAT_ROWS.filter((r) => r.modelPicker).sort((a, b) => b.codeBits - a.codeBits);

/**
 * Settings with fewer weight bits than `setting`, in order of decreasing bits: the same format family (INT keeps
 * its symmetry, FP goes e4m3 -> e3m2 -> e2m1) and granularity; an unquantised setting tries INT8 .. INT2 per group of 128.
 */
export function lowerBitSettings(setting: QuantSetting): QuantSetting[] {
  const w = setting.weight;
  const granularity: Granularity = w?.granularity ?? { kind: 'group', size: 128 };
  const current = w ? codeBits(w.format) : 32;
  const kind = w?.format.kind ?? 'int';
  const symmetric = w?.format.kind === 'int' ? w.format.symmetric : true;
  const formats: WeightFormat[] = OFFERED_FORMATS.filter((r) => r.format.kind === kind && r.codeBits < current).map(
    (r) => (r.format.kind === 'int' ? { ...r.format, symmetric } : r.format),
  );
  return formats.map((format) => ({ ...setting, weight: { format, granularity } }));
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** Why a plan does not fit, or undefined when it does. */
export function memoryProblem(
  plan: MemoryPlan,
  limits: MemoryLimits,
  budgetBytes = defaultMemoryBudget(limits),
): { code: 'tensor-too-large' | 'memory-over-budget'; detail: string } | undefined {
  const bindingLimit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const tooLarge = plan.buffers.filter((b) => b.part !== 'decoder' && b.bytes > bindingLimit);
  if (tooLarge.length > 0) {
    const biggest = tooLarge.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    return {
      code: 'tensor-too-large',
      detail: `its buffer ${biggest.name} needs ${mb(biggest.bytes)}, more than the adapter binds at once (maxStorageBufferBindingSize ${mb(limits.maxStorageBufferBindingSize)}, maxBufferSize ${mb(limits.maxBufferSize)})${tooLarge.length > 1 ? `, and ${tooLarge.length - 1} other buffer(s) too` : ''}; the engine does not split tensors`,
    };
  }
  if (plan.bytes.total > budgetBytes) {
    const b = plan.bytes;
    return {
      code: 'memory-over-budget',
      detail: `it needs an estimated ${mb(b.total)} of GPU memory (weights ${mb(b.weights + b.other)}, activations ${mb(b.activations)}, KV cache ${mb(b.kvCache)}, tokenizer ${mb(b.tokenizer)}, decoder ${mb(b.decoder)}), more than the budget of ${mb(budgetBytes)} (4 x maxBufferSize ${mb(limits.maxBufferSize)}, clamped to 1..4 GiB, unless overridden)`,
    };
  }
  return undefined;
}

/**
 * Throws a ModelError ('tensor-too-large' or 'memory-over-budget') naming the model, the estimate and the limit,
 * with a fix that names the highest-bit lower setting whose plan fits (`replan` builds the plan of a setting).
 */
export function requireMemoryFits(
  plan: MemoryPlan,
  setting: QuantSetting,
  replan: (s: QuantSetting) => MemoryPlan,
  limits: MemoryLimits,
  budgetBytes = defaultMemoryBudget(limits),
): void {
  const problem = memoryProblem(plan, limits, budgetBytes);
  if (!problem) return;
  const fitting = lowerBitSettings(setting).find((s) => memoryProblem(replan(s), limits, budgetBytes) === undefined);
  const suggestion = fitting
    ? `Pick ${settingToString(fitting)} (estimated ${mb(replan(fitting).bytes.total)}) or fewer bits for this model, or use a device with more memory.`
    : problem.code === 'tensor-too-large'
      ? 'No lower bit setting the playground offers fits either: use a device with a larger maxStorageBufferBindingSize, or a smaller model.'
      : 'No lower bit setting the playground offers fits either: use a smaller model or a device with more memory.';
  throw new ModelError(
    problem.code,
    `${plan.model} at ${settingToString(plan.setting)} does not fit this adapter: ${problem.detail}.`,
    suggestion,
  );
}
