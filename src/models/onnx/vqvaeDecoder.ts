/**
 * VAR's tokenizer decoder (family `vqvae`, decoder.onnx): f_hat [B, Cvae, H, H] -> image [B, 1, 32, 32] in
 * [-1, 1]. f_hat is the sampler's GPU buffer (VarSampler's fHat), passed without a copy.
 */
import type { ValidatedBundle } from '../bundle/index.ts';
import { createBundleSession } from './bundleSession';
import type { GpuTensor } from './gpuTensor';
import type { OnnxSession } from './onnxSession';

export class VqvaeDecoder {
  readonly bundleId: string;
  readonly cvae: number;
  readonly latentSize: number;
  private readonly session: OnnxSession;

  private constructor(session: OnnxSession, cvae: number, latentSize: number) {
    this.session = session;
    this.bundleId = session.bundleId;
    this.cvae = cvae;
    this.latentSize = latentSize;
  }

  static async load(device: GPUDevice, bundle: ValidatedBundle): Promise<VqvaeDecoder> {
    const session = await createBundleSession(device, bundle, 'vqvae');
    const m = bundle.manifest;
    if (m.family !== 'vqvae') throw new Error('unreachable: createBundleSession checked the family');
    return new VqvaeDecoder(session, m.config.cvae, m.config.latentSize);
  }

  /** Decodes `batch` f_hat maps (f32, row-major [batch, Cvae, H, H] at offset 0 of `fHat`). The caller disposes the image. */
  async decode(fHat: GPUBuffer, batch: number): Promise<GpuTensor> {
    const outputs = await this.session.run({
      f_hat: { buffer: fHat, dims: [batch, this.cvae, this.latentSize, this.latentSize] },
    });
    return outputs.image;
  }

  /** Idempotent. */
  dispose(): Promise<void> {
    return this.session.dispose();
  }
}
