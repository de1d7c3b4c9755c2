/**
 * The MNIST classifier (family `classifier`, classifier.onnx): image [B, 1, 32, 32] in [-1, 1] -> logits
 * [B, 10] and features [B, 128] (post-ReLU penultimate layer, the space the Frechet distance is measured in).
 * Its bundle also carries the test-set feature statistics (fd-stats.safetensors) every FD is measured against.
 */
import { FrechetReference, KidReference } from '../../metrics/index.ts';
import { parseSafetensors, tensorAsF32, tensorF64, type ValidatedBundle } from '../bundle/index.ts';
import { createBundleSession } from './bundleSession';
import { OnnxError, REEXPORT_GRAPH_FIX } from './errors';
import type { GpuTensor } from './gpuTensor';
import type { OnnxSession } from './onnxSession';

export interface ClassifierOutputs {
  /** [B, numClasses] */
  readonly logits: GpuTensor;
  /** [B, featureDim] */
  readonly features: GpuTensor;
}

export interface ClassifierReadout {
  readonly logits: Float32Array;
  readonly features: Float32Array;
}

export class DigitClassifier {
  readonly bundleId: string;
  readonly featureDim: number;
  readonly numClasses: number;
  readonly imageSize: number;
  /** The classifier's own FD floor: 1,000 real training digits against the test statistics (manifest config.realFd). */
  readonly realFd: number;
  private readonly session: OnnxSession;
  private readonly bundle: ValidatedBundle;
  private reference: FrechetReference | undefined;
  private kid: KidReference | null | undefined;

  private constructor(session: OnnxSession, bundle: ValidatedBundle) {
    const m = bundle.manifest;
    if (m.family !== 'classifier') throw new Error('unreachable: createBundleSession checked the family');
    this.session = session;
    this.bundle = bundle;
    this.bundleId = m.id;
    this.featureDim = m.config.featureDim;
    this.numClasses = m.dataset.numClasses;
    this.imageSize = m.dataset.imageSize;
    this.realFd = m.config.realFd;
  }

  static async load(device: GPUDevice, bundle: ValidatedBundle): Promise<DigitClassifier> {
    return new DigitClassifier(await createBundleSession(device, bundle, 'classifier'), bundle);
  }

  /** Classifies `batch` images (f32 [batch, 1, 32, 32] at offset 0 of `images`); the caller disposes both outputs. */
  async classify(images: GPUBuffer, batch: number): Promise<ClassifierOutputs> {
    const outputs = await this.session.run({
      image: { buffer: images, dims: [batch, 1, this.imageSize, this.imageSize] },
    });
    return { logits: outputs.logits, features: outputs.features };
  }

  /** classify, then both outputs read back and released. */
  async classifyAndRead(images: GPUBuffer, batch: number): Promise<ClassifierReadout> {
    const { logits, features } = await this.classify(images, batch);
    try {
      return { logits: await logits.read(), features: await features.read() };
    } finally {
      logits.dispose();
      features.dispose();
    }
  }

  /** The test-set feature statistics (f64) as a Frechet reference, sqrt(sigma) computed once. */
  frechetReference(): FrechetReference {
    if (!this.reference) {
      const stats = this.bundle.fdStats;
      if (!stats)
        throw new OnnxError(
          'bundle-mismatch',
          this.bundleId,
          'has no fd-stats file, so no Frechet distance can be measured.',
          REEXPORT_GRAPH_FIX,
        );
      this.reference = new FrechetReference(tensorF64(stats, 'mu'), tensorF64(stats, 'sigma'));
    }
    return this.reference;
  }

  /**
   * KID's reference (src/metrics/kid.ts): the test split's features and their mean off-diagonal kernel value kYY,
   * from the bundle's kid-reference file (features [M, featureDim] f16, kYY [1] f64); undefined for a bundle
   * exported without one (KID is then not measured).
   */
  kidReference(): KidReference | undefined {
    if (this.kid === undefined) {
      const entry = this.bundle.manifest.files.find((f) => f.role === 'kid-reference');
      const bytes = entry ? this.bundle.files.get(entry.path) : undefined;
      if (!entry || !bytes) {
        this.kid = null;
      } else {
        const file = parseSafetensors(bytes, entry.path);
        const shape = file.tensors.get('features')?.shape ?? [];
        if (shape.length !== 2 || shape[1] !== this.featureDim) {
          throw new OnnxError(
            'bundle-mismatch',
            this.bundleId,
            `${entry.path}: features have shape [${shape.join(', ')}], not [M, ${this.featureDim}].`,
            REEXPORT_GRAPH_FIX,
          );
        }
        this.kid = KidReference.fromFeatures(
          tensorAsF32(file, 'features'),
          shape[0]!,
          this.featureDim,
          tensorF64(file, 'kYY')[0],
        );
      }
    }
    return this.kid ?? undefined;
  }

  /** Idempotent. */
  dispose(): Promise<void> {
    return this.session.dispose();
  }
}
