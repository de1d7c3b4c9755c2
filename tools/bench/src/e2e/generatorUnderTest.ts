/**
 * One generator at one QuantSetting, the way the engine builds it (src/engine/generation/deviceModels.ts):
 * the model's weights quantised and uploaded with a shared KernelSet, its sampler, and the bundle's ONNX decoder
 * on the same device (loadDecoder). `sample` runs the real sampler without traces (one submission, the fastest path
 * the engine has) and waits for the GPU.
 */
import type { ModelFamily } from '../../../../src/models/bundle/types';
import type { LoadedBundles } from '../../../../src/engine/generation/bundleStore';
import type { KernelSet } from '../../../../src/models/runtime/kernelSet';
import type { VqvaeManifest } from '../../../../src/models/bundle/types.ts';
import type { ValidatedBundle } from '../../../../src/models/bundle/index.ts';
import { VarModel } from '../../../../src/models/var/varModel';
import { VarSampler } from '../../../../src/models/var/varSampler';
import { VarTokenizer } from '../../../../src/models/var/varTokenizer';
import { DitModel } from '../../../../src/models/dit/ditModel';
import { DitSampler } from '../../../../src/models/dit/ditSampler';
import { VaeDecoder, VqvaeDecoder } from '../../../../src/models/onnx/index.ts';
import { parseSetting } from '../../../../src/quant/setting';
import { BenchError } from './benchError';

export interface Decoder {
  decode(source: GPUBuffer, batch: number): Promise<{ read(): Promise<Float32Array>; dispose(): void }>;
  dispose(): Promise<void>;
}

/** The decoder of a generator's family (VAR: the vqvae bundle's graph on f_hat; DiT: the vae bundle's on the latent). */
export async function loadDecoder(device: GPUDevice, bundles: LoadedBundles): Promise<Decoder> {
  const m = bundles.model.manifest;
  const bundle = bundles.required.get(m.family === 'var' ? m.requires.tokenizer : m.requires.vae)!;
  return m.family === 'var' ? VqvaeDecoder.load(device, bundle) : VaeDecoder.load(device, bundle);
}

export class GeneratorUnderTest {
  readonly family: ModelFamily;
  readonly steps: number;
  private destroyed = false;

  private constructor(
    private readonly device: GPUDevice,
    private readonly bundles: LoadedBundles,
    private readonly model: VarModel | DitModel,
    private readonly sampler: VarSampler | DitSampler,
    ditSteps: number,
  ) {
    const m = bundles.model.manifest;
    this.family = m.family;
    this.steps = m.family === 'var' ? m.config.patchNums.length : ditSteps || m.sampling.steps;
  }

  /** Quantises and uploads the weights for `setting`; the tokenizer (VAR) is shared per device by the caller. */
  static load(
    device: GPUDevice,
    bundles: LoadedBundles,
    setting: string,
    kernels: KernelSet,
    tokenizer: () => VarTokenizer,
    ditSteps: number,
  ): GeneratorUnderTest {
    const m = bundles.model.manifest;
    const parsed = parseSetting(setting);
    if (parsed.activation.perTensor && parsed.activation.format.kind !== 'none') {
      throw new BenchError(
        'setting-unsupported',
        `${setting}: per-tensor activation settings need calibration, which the image bench does not run.`,
        'Use per-token activations (e.g. W4g32-A8) in settings=.',
      );
    }
    if (m.family === 'var') {
      const model = VarModel.load(device, { manifest: m, weights: bundles.model.weights }, parsed, { kernels });
      return new GeneratorUnderTest(device, bundles, model, new VarSampler(model, tokenizer()), ditSteps);
    }
    const model = DitModel.load(device, { manifest: m, weights: bundles.model.weights }, parsed, { kernels });
    return new GeneratorUnderTest(device, bundles, model, new DitSampler(model), ditSteps);
  }

  get bitsPerWeight(): number {
    const r = this.model.report;
    return (r.weightBytes * 8) / r.linearParams;
  }

  get dit(): DitModel | undefined {
    return this.model instanceof DitModel ? this.model : undefined;
  }

  /** One sampler call for `labels` (one image each), until the GPU is done; the output stays on the GPU. */
  async sample(labels: readonly number[], seed: number): Promise<GPUBuffer> {
    const m = this.bundles.model.manifest;
    let output: GPUBuffer;
    if (this.sampler instanceof VarSampler && m.family === 'var') {
      output = (
        await this.sampler.sample({ labels, cfg: m.sampling.cfg, topK: m.sampling.topK, topP: m.sampling.topP, seed })
      ).fHat;
    } else if (this.sampler instanceof DitSampler && m.family === 'dit') {
      output = (
        await this.sampler.sample({ labels, cfg: m.sampling.cfg, method: m.sampling.method, steps: this.steps, seed })
      ).latent;
    } else {
      throw new Error('unreachable: the sampler matches the family');
    }
    await this.device.queue.onSubmittedWorkDone();
    return output;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.sampler.destroy();
    this.model.destroy();
  }
}

/** The VAR tokenizer of a bundle set, built on first use (the engine keeps one per device too). */
export function lazyTokenizer(
  device: GPUDevice,
  bundles: LoadedBundles,
): { get: () => VarTokenizer; destroy: () => void } {
  let tokenizer: VarTokenizer | undefined;
  return {
    get: () => {
      const m = bundles.model.manifest;
      if (m.family !== 'var') throw new Error('unreachable: only VAR needs a tokenizer');
      tokenizer ??= VarTokenizer.load(
        device,
        bundles.required.get(m.requires.tokenizer) as ValidatedBundle & { manifest: VqvaeManifest },
      );
      return tokenizer;
    },
    destroy: () => tokenizer?.destroy(),
  };
}
