/**
 * VAR's multi-scale tokenizer steps on the GPU (docs/bundle-format.md, family `vqvae`): per scale k, the
 * sampled tokens [B, pn*pn] become h = codebook[tokens] [B, Cvae, pn, pn]; unless it is the last scale, h is
 * bicubic-upsampled to the latent size H; f_hat += phi_i(h) with i = phiIndexPerScale[k]; and the next
 * scale's word_embed input is area(f_hat, pn_next) in token layout [B, pn_next^2, Cvae].
 * Owns the codebook and Phi conv buffers (f32; the tokenizer is never quantised). Decoding f_hat to pixels is
 * the vqvae bundle's ONNX graph, outside this class.
 */
import { tensorAsF32, type SafetensorsFile } from '../bundle/index.ts';
import type { VqvaeConfig, VqvaeManifest } from '../bundle/types.ts';
import { uploadWords } from '../../gpu/buffers';
import { ModelError, requireLiveModel } from '../runtime/errors';
import type { KernelSet } from '../runtime/kernelSet';
import type { BufferSlice } from '../../kernels';
import type { Workspace } from '../runtime/workspace';

const OWNER = 'VarTokenizer';

export interface TokenizerStepBuffers {
  /** u32 [B, pn*pn] tokens of scale k. */
  readonly tokens: BufferSlice;
  /** f32 [B, Cvae, H, H], updated in place (overwritten at k = 0). */
  readonly fHat: GPUBuffer;
  /** f32 [B, pn_next^2, Cvae]: the next scale's map (untouched after the last scale). */
  readonly nextMap: GPUBuffer;
}

export class VarTokenizer {
  readonly config: VqvaeConfig;
  /** The codebook [V, Cvae] on the CPU too (small), for per-step soft features. */
  readonly codebookHost: Float32Array;
  private readonly codebook: GPUBuffer;
  private readonly phiWeights: GPUBuffer[] = [];
  private readonly phiBiases: GPUBuffer[] = [];
  private destroyed = false;

  private constructor(device: GPUDevice, manifest: VqvaeManifest, file: SafetensorsFile) {
    this.config = manifest.config;
    this.codebookHost = tensorAsF32(file, 'quantize.embedding.weight');
    this.codebook = uploadWords(device, `${OWNER}.codebook`, this.codebookHost);
    for (let i = 0; i < this.config.phiCount; i++) {
      this.phiWeights.push(
        uploadWords(device, `${OWNER}.phi${i}.weight`, tensorAsF32(file, `quantize.quant_resi.qresi_ls.${i}.weight`)),
      );
      this.phiBiases.push(
        uploadWords(device, `${OWNER}.phi${i}.bias`, tensorAsF32(file, `quantize.quant_resi.qresi_ls.${i}.bias`)),
      );
    }
  }

  static load(device: GPUDevice, bundle: { manifest: VqvaeManifest; weights?: SafetensorsFile }): VarTokenizer {
    if (!bundle.weights)
      throw new ModelError(
        'bundle-invalid',
        `${bundle.manifest.id} has no weights.`,
        'Load it through validateBundle().',
      );
    return new VarTokenizer(device, bundle.manifest, bundle.weights);
  }

  /** f32 elements of f_hat for `batch` images. */
  fHatElements(batch: number): number {
    return batch * this.config.cvae * this.config.latentSize ** 2;
  }

  workspaceNeeds(batch: number): Record<string, number> {
    const { cvae, latentSize } = this.config;
    return { vqSmall: batch * cvae * latentSize ** 2, vqFull: batch * cvae * latentSize ** 2 };
  }

  encodeStep(
    encoder: GPUCommandEncoder,
    kernels: KernelSet,
    ws: Workspace,
    k: number,
    batch: number,
    buffers: TokenizerStepBuffers,
  ): void {
    requireLiveModel(OWNER, this.destroyed);
    const { patchNums, cvae: C, latentSize: H, vocabSize, phiResiRatio, phiIndexPerScale } = this.config;
    const K = patchNums.length;
    const pn = patchNums[k];
    const last = k === K - 1;
    const small = ws.get('vqSmall');
    const full = ws.get('vqFull');
    kernels.codebookGather.encode(encoder, {
      indices: buffers.tokens,
      codebook: this.codebook,
      h: last ? full : small,
      batch,
      side: pn,
      codes: vocabSize,
      channels: C,
    });
    if (!last) {
      kernels.bicubic.encode(encoder, {
        src: small,
        dst: full,
        batch,
        channels: C,
        inHeight: pn,
        inWidth: pn,
        outHeight: H,
        outWidth: H,
      });
    }
    const phi = phiIndexPerScale[k];
    kernels.phiConv.encode(encoder, {
      h: full,
      weight: this.phiWeights[phi],
      bias: this.phiBiases[phi],
      fHat: buffers.fHat,
      batch,
      channels: C,
      height: H,
      width: H,
      ratio: phiResiRatio,
      accumulate: k > 0,
    });
    if (!last) {
      const next = patchNums[k + 1];
      kernels.area.encode(encoder, {
        src: buffers.fHat,
        dst: buffers.nextMap,
        batch,
        channels: C,
        inHeight: H,
        inWidth: H,
        outHeight: next,
        outWidth: next,
        layout: 'tokens',
      });
    }
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.codebook.destroy();
    for (const b of [...this.phiWeights, ...this.phiBiases]) b.destroy();
  }
}
