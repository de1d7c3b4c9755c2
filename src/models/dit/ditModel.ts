/**
 * DiT on the GPU: the weights for one QuantSetting and the forward eps_and_v = DiT(x, t, y) over a batch
 * (docs/bundle-format.md, family `dit`): patchify + x_embedder (a Linear over flattened patches) + pos_embed;
 * c = t_embedder(temb(t)) + y_embedder[y]; adaLN-Zero blocks; final adaLN + Linear; unpatchify.
 * The sampler (ditSampler.ts) runs it on [x, x] with labels [y, null] for CFG.
 *
 * Scratch lives in a Workspace; the class rows are gathered on the CPU from a host copy of the small table.
 */
import { tensorAsF32, type SafetensorsFile } from '../bundle/index.ts';
import type { DitManifest } from '../bundle/types.ts';
import type { QuantSetting } from '../../quant/setting';
import { tokenMajorQkvLayouts } from '../../ops/attention';
import { GpuModelWeights, type WeightReport } from '../runtime/modelWeights';
import type { PreparedLinear } from '../runtime/methodWeights';
import { KernelSet } from '../runtime/kernelSet';
import { writeWords } from '../../gpu/buffers';
import { ModelError, requireArgument, requireLiveModel } from '../runtime/errors';
import type { Workspace } from '../runtime/workspace';
import type { BufferSlice } from '../../kernels';
import { ditLinearSpecs, ditTokens, ditWorkspaceNeeds, type DitConfig } from './ditConfig';

const OWNER = 'DitModel';

export interface DitLoadOptions {
  /** Shared kernels (the engine's); when absent the model creates and owns its own. */
  readonly kernels?: KernelSet;
  readonly activationScales?: ReadonlyMap<string, number>;
  /** SmoothQuant / GPTQ weights per Linear (src/models/runtime/methodWeights.ts). */
  readonly prepared?: ReadonlyMap<string, PreparedLinear>;
  /** Per-Linear settings replacing the model's (-mp allocations). */
  readonly settingByLinear?: ReadonlyMap<string, QuantSetting>;
}

export interface DitForwardArgs {
  /** f32 [S, Cin, H, W] latents. */
  readonly x: BufferSlice;
  /** f32 [S] original timesteps (0 .. trainSteps-1). */
  readonly t: BufferSlice;
  /** Class per row (numClasses = the null class). */
  readonly labels: readonly number[];
  /** f32 [S, outChannels, H, W]. */
  readonly out: BufferSlice;
}

export class DitModel {
  readonly config: DitConfig;
  readonly weights: GpuModelWeights;
  readonly kernels: KernelSet;
  private readonly classTable: Float32Array;
  private readonly ownsKernels: boolean;
  private destroyed = false;

  private constructor(
    readonly device: GPUDevice,
    manifest: DitManifest,
    file: SafetensorsFile,
    setting: QuantSetting,
    options: DitLoadOptions,
  ) {
    this.config = manifest.config;
    const c = this.config;
    if (c.inputSize % c.patch !== 0 || c.width !== c.heads * c.headDim || c.outChannels !== 2 * c.inChannels) {
      throw new ModelError(
        'bundle-invalid',
        `${manifest.id}: config ${JSON.stringify(c)} is not a learned-sigma DiT the engine runs.`,
        'Re-export the bundle (docs/bundle-format.md, family dit).',
      );
    }
    this.ownsKernels = !options.kernels;
    this.kernels = options.kernels ?? new KernelSet(device);
    this.weights = new GpuModelWeights(device, OWNER, file, ditLinearSpecs(c), setting, {
      f32Tensors: ['pos_embed'],
      activationScales: options.activationScales,
      prepared: options.prepared,
      settingByLinear: options.settingByLinear,
    });
    this.classTable = tensorAsF32(file, 'y_embedder.embedding_table.weight');
  }

  static load(
    device: GPUDevice,
    bundle: { manifest: DitManifest; weights?: SafetensorsFile },
    setting: QuantSetting,
    options: DitLoadOptions = {},
  ): DitModel {
    if (!bundle.weights)
      throw new ModelError(
        'bundle-invalid',
        `${bundle.manifest.id} has no weights.`,
        'Load it through validateBundle().',
      );
    return new DitModel(device, bundle.manifest, bundle.weights, setting, options);
  }

  get report(): WeightReport {
    return this.weights.report;
  }

  /** Elements of one latent [Cin, H, W]. */
  get latentElements(): number {
    return this.config.inChannels * this.config.inputSize ** 2;
  }

  workspaceNeeds(samples: number): Record<string, number> {
    return ditWorkspaceNeeds(this.config, samples);
  }

  encodeForward(encoder: GPUCommandEncoder, ws: Workspace, args: DitForwardArgs): void {
    requireLiveModel(OWNER, this.destroyed);
    const {
      width: D,
      heads: H,
      headDim: d,
      depth,
      lnEps,
      mlpRatio,
      patch: p,
      inputSize: size,
      inChannels,
      outChannels,
      freqDim,
      numClasses,
    } = this.config;
    const S = args.labels.length;
    const T = ditTokens(this.config);
    const rows = S * T;
    const k = this.kernels;
    const linear = (name: string, x: BufferSlice, y: BufferSlice, m: number) =>
      this.weights.linear(name).encode(encoder, k, { x, y, m, scratch: ws.get('scratch') });
    const yRows = new Float32Array(S * D);
    args.labels.forEach((y, s) => {
      requireArgument(
        Number.isInteger(y) && y >= 0 && y <= numClasses,
        OWNER,
        `label ${y} is outside 0..${numClasses}`,
        'Pass class indices (the null class is numClasses).',
      );
      yRows.set(this.classTable.subarray(y * D, (y + 1) * D), s * D);
    });
    writeWords(this.device, ws.get('yRows'), 0, yRows);

    // Tokens: patchify, the patch conv as a Linear, + pos_embed.
    const x = ws.get('x');
    k.patchify.encode(encoder, {
      src: args.x,
      dst: ws.get('patches'),
      batch: S,
      channels: inChannels,
      height: size,
      width: size,
      patch: p,
    });
    linear('x_embedder.proj', ws.get('patches'), x, rows);
    k.addPosition.encode(encoder, { x, batch: S, tokens: T, channels: D, pos: this.weights.tensor('pos_embed') });
    // Conditioning: c = mlp.2(silu(mlp.0(temb(t)))) + y_embedder[y]; the blocks take silu(c).
    k.timestepEmbedding.encode(encoder, { t: args.t, out: ws.get('temb'), batch: S, dim: freqDim });
    linear('t_embedder.mlp.0', ws.get('temb'), ws.get('tHidden'), S);
    k.activation.encode(encoder, { activation: 'silu', dst: ws.get('tHidden'), count: S * D });
    linear('t_embedder.mlp.2', ws.get('tHidden'), ws.get('c'), S);
    k.residual.encode(encoder, { x: ws.get('c'), y: ws.get('yRows'), rows: S, channels: D });
    k.activation.encode(encoder, { activation: 'silu', src: ws.get('c'), dst: ws.get('cSilu'), count: S * D });

    const h = ws.get('h');
    const ada = ws.get('ada');
    const vec = (chunk: number) => ({ stride: 6 * D, offset: chunk * D });
    const qkvLayouts = tokenMajorQkvLayouts(T, H, d);
    for (let b = 0; b < depth; b++) {
      const pre = `blocks.${b}`;
      // shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp
      linear(`${pre}.adaLN_modulation.1`, ws.get('cSilu'), ada, S);
      k.layerNorm.encode(encoder, {
        x,
        y: h,
        rows,
        channels: D,
        eps: lnEps,
        modulation: { buffer: ada, tokensPerSample: T, shift: vec(0), scale: vec(1) },
      });
      linear(`${pre}.attn.qkv`, h, ws.get('qkv'), rows);
      k.attention.encode(encoder, {
        q: ws.get('qkv'),
        k: ws.get('qkv'),
        v: ws.get('qkv'),
        out: ws.get('attn'),
        batch: S,
        heads: H,
        headDim: d,
        queries: T,
        keys: T,
        scale: 1 / Math.sqrt(d),
        qLayout: qkvLayouts.q,
        kLayout: qkvLayouts.k,
        vLayout: qkvLayouts.v,
      });
      linear(`${pre}.attn.proj`, ws.get('attn'), ws.get('out'), rows);
      k.residual.encode(encoder, {
        x,
        y: ws.get('out'),
        rows,
        channels: D,
        gate: { buffer: ada, tokensPerSample: T, ...vec(2) },
      });
      k.layerNorm.encode(encoder, {
        x,
        y: h,
        rows,
        channels: D,
        eps: lnEps,
        modulation: { buffer: ada, tokensPerSample: T, shift: vec(3), scale: vec(4) },
      });
      linear(`${pre}.mlp.fc1`, h, ws.get('hidden'), rows);
      k.activation.encode(encoder, { activation: 'gelu-tanh', dst: ws.get('hidden'), count: rows * mlpRatio * D });
      linear(`${pre}.mlp.fc2`, ws.get('hidden'), ws.get('out'), rows);
      k.residual.encode(encoder, {
        x,
        y: ws.get('out'),
        rows,
        channels: D,
        gate: { buffer: ada, tokensPerSample: T, ...vec(5) },
      });
    }
    // Final layer: shift, scale = chunk(2) (shift first), Linear to p*p*Cout per token, unpatchify.
    linear('final_layer.adaLN_modulation.1', ws.get('cSilu'), ada, S);
    k.layerNorm.encode(encoder, {
      x,
      y: h,
      rows,
      channels: D,
      eps: lnEps,
      modulation: {
        buffer: ada,
        tokensPerSample: T,
        shift: { stride: 2 * D, offset: 0 },
        scale: { stride: 2 * D, offset: D },
      },
    });
    linear('final_layer.linear', h, ws.get('final'), rows);
    k.unpatchify.encode(encoder, {
      src: ws.get('final'),
      dst: args.out,
      batch: S,
      channels: outChannels,
      height: size,
      width: size,
      patch: p,
    });
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.weights.destroy();
    if (this.ownsKernels) this.kernels.destroy();
  }
}
