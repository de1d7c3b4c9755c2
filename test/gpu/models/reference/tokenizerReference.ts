/**
 * CPU reference of VAR's multi-scale tokenizer step (docs/bundle-format.md, family `vqvae`) from the op
 * references of src/ops/vq.ts: codebook gather, bicubic upsample, Phi residual conv, area downsample to the
 * next scale's word_embed input. f64 math inside each op, f32 results between ops (as the GPU stores them).
 */
import { areaDownsampleRef, bicubicUpsampleRef, codebookGatherRef, phiConvRef } from '../../../../src/ops/vq';
import type { TensorReader } from '../tensors';
import type { VqvaeConfig } from '../../../../src/models/var/varConfig';

export class TokenizerReference {
  readonly codebook: Float32Array;
  readonly phiWeights: Float32Array[] = [];
  readonly phiBiases: Float32Array[] = [];

  constructor(
    readonly config: VqvaeConfig,
    file: TensorReader,
  ) {
    this.codebook = file.f32('quantize.embedding.weight');
    for (let i = 0; i < config.phiCount; i++) {
      this.phiWeights.push(file.f32(`quantize.quant_resi.qresi_ls.${i}.weight`));
      this.phiBiases.push(file.f32(`quantize.quant_resi.qresi_ls.${i}.bias`));
    }
  }

  /** tokens [pn*pn] -> h [Cvae, pn, pn]. */
  gather(tokens: ArrayLike<number>, pn: number): Float32Array {
    return Float32Array.from(codebookGatherRef(tokens, this.codebook, 1, pn, this.config.cvae));
  }

  /** One step: f_hat [Cvae, H, H] updated in place; returns next_map [pn_next^2, Cvae] (undefined after the last scale). */
  step(k: number, tokens: ArrayLike<number>, fHat: Float32Array): Float32Array | undefined {
    const { patchNums, latentSize: H, cvae: C } = this.config;
    const K = patchNums.length;
    const pn = patchNums[k];
    let h = this.gather(tokens, pn);
    if (k < K - 1) h = Float32Array.from(bicubicUpsampleRef(h, { batch: 1, channels: C, height: pn, width: pn }, H, H));
    const phiIndex = this.config.phiIndexPerScale[k];
    const map = { batch: 1, channels: C, height: H, width: H };
    const phi = phiConvRef(h, this.phiWeights[phiIndex], this.phiBiases[phiIndex], map, this.config.phiResiRatio);
    for (let i = 0; i < fHat.length; i++) fHat[i] = Math.fround(fHat[i] + Math.fround(phi[i]));
    if (k === K - 1) return undefined;
    const next = patchNums[k + 1];
    return Float32Array.from(areaDownsampleRef(fHat, map, next, next, 'tokens'));
  }
}
