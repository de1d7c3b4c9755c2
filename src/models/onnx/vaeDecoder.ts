/**
 * DiT's latent decoder (family `vae`, decoder.onnx): the standardised latent [B, 4, 8, 8], exactly as the DiT
 * sampler leaves it, -> image [B, 1, 32, 32] in [-1, 1]. The graph undoes the standardisation itself
 * (z = latent / scaleFactor + latent_shift), so nothing is applied here.
 */
import type { ValidatedBundle } from '../bundle/index.ts';
import { createBundleSession } from './bundleSession';
import type { GpuTensor } from './gpuTensor';
import type { OnnxSession } from './onnxSession';

export class VaeDecoder {
  readonly bundleId: string;
  readonly latentChannels: number;
  readonly latentSize: number;
  private readonly session: OnnxSession;

  private constructor(session: OnnxSession, latentChannels: number, latentSize: number) {
    this.session = session;
    this.bundleId = session.bundleId;
    this.latentChannels = latentChannels;
    this.latentSize = latentSize;
  }

  static async load(device: GPUDevice, bundle: ValidatedBundle): Promise<VaeDecoder> {
    const session = await createBundleSession(device, bundle, 'vae');
    const m = bundle.manifest;
    if (m.family !== 'vae') throw new Error('unreachable: createBundleSession checked the family');
    return new VaeDecoder(session, m.config.latentChannels, m.config.latentSize);
  }

  /** Decodes `batch` latents (f32, row-major [batch, 4, 8, 8] at offset 0 of `latent`). The caller disposes the image. */
  async decode(latent: GPUBuffer, batch: number): Promise<GpuTensor> {
    const outputs = await this.session.run({
      latent: { buffer: latent, dims: [batch, this.latentChannels, this.latentSize, this.latentSize] },
    });
    return outputs.image;
  }

  /** Idempotent. */
  dispose(): Promise<void> {
    return this.session.dispose();
  }
}
