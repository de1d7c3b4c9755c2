/**
 * VAR on the GPU: the weights for one QuantSetting and the transformer forward over a group of token rows,
 * used both by the KV-cache sampler (one scale per step, cond + uncond rows; varSampler.ts) and by the
 * teacher-forced pass (all L tokens, block-causal mask). Semantics: docs/bundle-format.md, family `var`.
 *
 * Buffers of a forward live in a Workspace (scratch `x`, `h`, `qkv`, ... and the KV caches `k{b}`/`v{b}`);
 * per-run constants that depend only on the labels (class rows, the first-scale input) are assembled on the
 * CPU from host copies of the small tables, with the same f32 additions in the same order as PyTorch.
 */
import { tensorAsF32, type SafetensorsFile } from '../bundle/index.ts';
import type { VarManifest } from '../bundle/types.ts';
import type { QuantSetting } from '../../quant/setting';
import { GpuModelWeights, type WeightReport } from '../runtime/modelWeights';
import type { PreparedLinear } from '../runtime/methodWeights';
import { KernelSet } from '../runtime/kernelSet';
import { slice, uploadWords, writeWords } from '../../gpu/buffers';
import { q8ScaleOffset } from '../../kernels/ops/attentionKernel';
import { ModelError, requireArgument, requireLiveModel } from '../runtime/errors';
import type { Workspace } from '../runtime/workspace';
import {
  DEFAULT_KV_FORMAT,
  scaleOfToken,
  varLinearSpecs,
  varWorkspaceNeeds,
  type VarConfig,
  type VarKvFormat,
} from './varConfig';

const OWNER = 'VarModel';

export interface VarLoadOptions {
  /** Shared kernels (the engine's); when absent the model creates and owns its own. */
  readonly kernels?: KernelSet;
  readonly activationScales?: ReadonlyMap<string, number>;
  /** SmoothQuant / GPTQ weights per Linear (src/models/runtime/methodWeights.ts). */
  readonly prepared?: ReadonlyMap<string, PreparedLinear>;
  /** Per-Linear settings replacing the model's (-mp allocations). */
  readonly settingByLinear?: ReadonlyMap<string, QuantSetting>;
  /**
   * KV cache storage (default f16: half the bytes; attention still computes in f32). 'f32' keeps K/V as the
   * Python reference does, for replaying its goldens to the last bits (parity); 'q8' stores int8 codes with a
   * scale per (token, head) row (a quarter of f32 plus a word per row), for models whose f16 cache does not fit.
   */
  readonly kvFormat?: VarKvFormat;
}

/** One transformer pass over `samples` x `tokens` rows (see encodeTransformer). */
export interface TransformerRun {
  readonly samples: number;
  readonly tokens: number;
  /** Cache rows already filled (tokens of earlier scales); 0 for the teacher-forced pass. */
  readonly position: number;
  /** Teacher-forced: attend with the block-causal mask instead of a growing cache. */
  readonly masked: boolean;
}

export class VarModel {
  readonly config: VarConfig;
  readonly weights: GpuModelWeights;
  readonly kernels: KernelSet;
  readonly kvFormat: VarKvFormat;
  /** Host copies of the small tables the per-run inputs are assembled from. */
  private readonly classTable: Float32Array;
  private readonly posStart: Float32Array;
  private readonly levelPosHost: Float32Array;
  /** lvl_embed[scale(i)] + pos_1LC[i], [L, C] on the GPU. */
  readonly levelPos: GPUBuffer;
  /** u32 scale index per token (the teacher-forced mask). */
  private readonly levels: GPUBuffer;
  private readonly ownsKernels: boolean;
  private destroyed = false;

  private constructor(
    readonly device: GPUDevice,
    manifest: VarManifest,
    file: SafetensorsFile,
    setting: QuantSetting,
    options: VarLoadOptions,
  ) {
    const c = manifest.config;
    this.config = c;
    const alignment = device.limits.minStorageBufferOffsetAlignment;
    if ((c.width * 4) % alignment !== 0) {
      throw new ModelError(
        'bundle-invalid',
        `${manifest.id}: width ${c.width} is not a multiple of ${alignment / 4}, which the per-scale buffer slices need.`,
        'VAR widths are 64 x depth; re-export the bundle.',
      );
    }
    const perBlock = (b: number) => [
      `blocks.${b}.attn.q_bias`,
      `blocks.${b}.attn.v_bias`,
      `blocks.${b}.attn.scale_mul_1H11`,
    ];
    this.kvFormat = options.kvFormat ?? DEFAULT_KV_FORMAT;
    this.ownsKernels = !options.kernels;
    this.kernels = options.kernels ?? new KernelSet(device);
    this.weights = new GpuModelWeights(device, OWNER, file, varLinearSpecs(c), setting, {
      f32Tensors: Array.from({ length: c.depth }, (_, b) => perBlock(b)).flat(),
      activationScales: options.activationScales,
      prepared: options.prepared,
      settingByLinear: options.settingByLinear,
    });
    this.classTable = tensorAsF32(file, 'class_emb.weight');
    this.posStart = tensorAsF32(file, 'pos_start');
    const lvl = tensorAsF32(file, 'lvl_embed.weight');
    const pos = tensorAsF32(file, 'pos_1LC');
    const levels = scaleOfToken(c.patchNums);
    this.levelPosHost = new Float32Array(c.numTokens * c.width);
    for (let i = 0; i < c.numTokens; i++) {
      for (let ch = 0; ch < c.width; ch++)
        this.levelPosHost[i * c.width + ch] = lvl[levels[i] * c.width + ch] + pos[i * c.width + ch];
    }
    this.levelPos = uploadWords(device, `${OWNER}.levelPos`, this.levelPosHost);
    this.levels = uploadWords(device, `${OWNER}.levels`, levels);
  }

  static load(
    device: GPUDevice,
    bundle: { manifest: VarManifest; weights?: SafetensorsFile },
    setting: QuantSetting,
    options: VarLoadOptions = {},
  ): VarModel {
    if (!bundle.weights)
      throw new ModelError(
        'bundle-invalid',
        `${bundle.manifest.id} has no weights.`,
        'Load it through validateBundle().',
      );
    return new VarModel(device, bundle.manifest, bundle.weights, setting, options);
  }

  get report(): WeightReport {
    return this.weights.report;
  }

  /** Scratch sizes (4-byte words) of a pass over `rows` token rows of `samples` samples (KV cache in kvFormat). */
  workspaceNeeds(samples: number, rows: number): Record<string, number> {
    return varWorkspaceNeeds(this.config, samples, rows, this.kvFormat);
  }

  /** class_emb rows of the labels, [S, C] (class numClasses = the null class). */
  classRows(labels: readonly number[]): Float32Array {
    const C = this.config.width;
    const out = new Float32Array(labels.length * C);
    labels.forEach((y, s) => {
      requireArgument(
        Number.isInteger(y) && y >= 0 && y <= this.config.numClasses,
        OWNER,
        `label ${y} is outside 0..${this.config.numClasses}`,
        'Pass class indices (the null class is numClasses).',
      );
      out.set(this.classTable.subarray(y * C, (y + 1) * C), s * C);
    });
    return out;
  }

  /** The first token's input per sample: (cond + pos_start) + (lvl_embed[0] + pos_1LC[0]), [S, C]. */
  firstTokenInput(cond: Float32Array, samples: number): Float32Array {
    const C = this.config.width;
    const x = new Float32Array(samples * C);
    for (let s = 0; s < samples; s++) {
      for (let ch = 0; ch < C; ch++)
        x[s * C + ch] = Math.fround(cond[s * C + ch] + this.posStart[ch]) + this.levelPosHost[ch];
    }
    return x;
  }

  /** Uploads the class rows and computes every block's and the head's adaLN vectors into ada{b} / adaHead. */
  encodeConditioning(encoder: GPUCommandEncoder, ws: Workspace, labels: readonly number[]): Float32Array {
    requireLiveModel(OWNER, this.destroyed);
    const S = labels.length;
    const C = this.config.width;
    const cond = this.classRows(labels);
    writeWords(this.device, ws.get('cond'), 0, cond);
    this.kernels.activation.encode(encoder, {
      activation: 'silu',
      src: ws.get('cond'),
      dst: ws.get('condSilu'),
      count: S * C,
    });
    // The logits buffer is free until the head runs: the Linears' scratch (varWorkspaceNeeds).
    const scratch = ws.get('logits');
    for (let b = 0; b < this.config.depth; b++) {
      this.weights
        .linear(`blocks.${b}.ada_lin.1`)
        .encode(encoder, this.kernels, { x: ws.get('condSilu'), y: ws.get(`ada${b}`), m: S, scratch });
    }
    this.weights
      .linear('head_nm.ada_lin.1')
      .encode(encoder, this.kernels, { x: ws.get('condSilu'), y: ws.get('adaHead'), m: S, scratch });
    return cond;
  }

  /** word_embed(map) for `rows` rows of `cvae` values in `input`, into `output` (an [rows, C] slice). */
  encodeWordEmbed(
    encoder: GPUCommandEncoder,
    ws: Workspace,
    input: GPUBuffer | { buffer: GPUBuffer; offset: number; size: number },
    output: { buffer: GPUBuffer; offset: number; size: number },
    rows: number,
  ): void {
    this.weights
      .linear('word_embed')
      .encode(encoder, this.kernels, { x: input, y: output, m: rows, scratch: ws.get('logits') });
  }

  /** x += levelPos[first .. first+tokens) for each of `samples` consecutive groups of `tokens` rows of `target`. */
  encodeAddLevelPos(
    encoder: GPUCommandEncoder,
    target: GPUBuffer,
    targetRowOffset: number,
    samples: number,
    tokens: number,
    first: number,
  ): void {
    const C = this.config.width;
    for (let s = 0; s < samples; s++) {
      this.kernels.residual.encode(encoder, {
        x: slice(target, (targetRowOffset + s * tokens) * C, tokens * C),
        y: slice(this.levelPos, first * C, tokens * C),
        rows: tokens,
        channels: C,
      });
    }
  }

  /**
   * All blocks and the head over ws.x [S * T, C] (sample-major rows), logits into ws.logits [S * T, V].
   * Keys/values of the new tokens are written to the caches at `position`; attention reads position + T keys.
   */
  encodeTransformer(encoder: GPUCommandEncoder, ws: Workspace, run: TransformerRun): void {
    requireLiveModel(OWNER, this.destroyed);
    const { width: C, heads: H, headDim: d, numTokens: L, lnEps, mlpRatio, depth } = this.config;
    const { samples: S, tokens: T, position } = run;
    const rows = S * T;
    const k = this.kernels;
    // Shared buffers (lifetimes in varWorkspaceNeeds): h is also q; mlp is qkv, then the attention output, then
    // the MLP hidden; logits is the block Linears' scratch until the head writes it.
    const x = ws.get('x');
    const h = ws.get('h');
    const q = h;
    const mlp = ws.get('mlp');
    const out = ws.get('out');
    const scratch = ws.get('logits');
    const kvScaleOffset = this.kvFormat === 'q8' ? q8ScaleOffset(S * H * L * d) : undefined;
    for (let b = 0; b < depth; b++) {
      const p = `blocks.${b}`;
      const ada = ws.get(`ada${b}`);
      const vec = (chunk: number) => ({ stride: 6 * C, offset: chunk * C });
      // gamma1, gamma2, scale1, scale2, shift1, shift2
      k.layerNorm.encode(encoder, {
        x,
        y: h,
        rows,
        channels: C,
        eps: lnEps,
        modulation: { buffer: ada, tokensPerSample: T, scale: vec(2), shift: vec(4) },
      });
      this.weights.linear(`${p}.attn.mat_qkv`).encode(encoder, k, { x: h, y: mlp, m: rows, scratch });
      k.varQkv.encode(encoder, {
        qkv: mlp,
        qBias: this.weights.tensor(`${p}.attn.q_bias`),
        vBias: this.weights.tensor(`${p}.attn.v_bias`),
        scaleMulLog: this.weights.tensor(`${p}.attn.scale_mul_1H11`),
        q,
        kCache: ws.get(`k${b}`),
        vCache: ws.get(`v${b}`),
        batch: S,
        tokens: T,
        heads: H,
        headDim: d,
        capacity: L,
        cachePosition: position,
        kvFormat: this.kvFormat,
      });
      const cacheLayout = { offset: 0, batchStride: H * L * d, headStride: L * d, tokenStride: d };
      k.attention.encode(encoder, {
        q,
        k: ws.get(`k${b}`),
        v: ws.get(`v${b}`),
        out: mlp,
        batch: S,
        heads: H,
        headDim: d,
        queries: T,
        keys: position + T,
        scale: 1,
        kLayout: cacheLayout,
        vLayout: cacheLayout,
        kvFormat: this.kvFormat,
        kvScaleOffset,
        mask: run.masked ? { levels: this.levels, firstQueryPosition: position } : undefined,
      });
      this.weights.linear(`${p}.attn.proj`).encode(encoder, k, { x: mlp, y: out, m: rows, scratch });
      k.residual.encode(encoder, {
        x,
        y: out,
        rows,
        channels: C,
        gate: { buffer: ada, tokensPerSample: T, ...vec(0) },
      });
      k.layerNorm.encode(encoder, {
        x,
        y: h,
        rows,
        channels: C,
        eps: lnEps,
        modulation: { buffer: ada, tokensPerSample: T, scale: vec(3), shift: vec(5) },
      });
      this.weights.linear(`${p}.ffn.fc1`).encode(encoder, k, { x: h, y: mlp, m: rows, scratch });
      k.activation.encode(encoder, { activation: 'gelu-tanh', dst: mlp, count: rows * mlpRatio * C });
      this.weights.linear(`${p}.ffn.fc2`).encode(encoder, k, { x: mlp, y: out, m: rows, scratch });
      k.residual.encode(encoder, {
        x,
        y: out,
        rows,
        channels: C,
        gate: { buffer: ada, tokensPerSample: T, ...vec(1) },
      });
    }
    // head_nm: scale, shift = split(ada, 2)
    k.layerNorm.encode(encoder, {
      x,
      y: h,
      rows,
      channels: C,
      eps: lnEps,
      modulation: {
        buffer: ws.get('adaHead'),
        tokensPerSample: T,
        scale: { stride: 2 * C, offset: 0 },
        shift: { stride: 2 * C, offset: C },
      },
    });
    this.encodeHead(encoder, ws, rows);
  }

  /** head(ws.h) -> ws.logits over `rows` rows (mlp, free by now, is its scratch). */
  encodeHead(encoder: GPUCommandEncoder, ws: Workspace, rows: number): void {
    this.weights
      .linear('head')
      .encode(encoder, this.kernels, { x: ws.get('h'), y: ws.get('logits'), m: rows, scratch: ws.get('mlp') });
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.weights.destroy();
    this.levelPos.destroy();
    this.levels.destroy();
    if (this.ownsKernels) this.kernels.destroy();
  }
}
