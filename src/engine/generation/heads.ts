/**
 * What turns a generator's raw output into pixels and a predicted digit: the bundles' ONNX graphs in the app
 * (onnxHeads.ts, onnxruntime-web on our device). Kept behind this interface so the generation service runs
 * without onnxruntime (Dawn tests in Node), where it returns the raw f_hat / latent and says so.
 */
import type { LoadedBundles } from './bundleStore';
import type { Prediction } from './types';
import type { BatchReadback, QualityAccumulator } from '../quality/accumulator';

export interface DecodedOutput {
  /** [1, 1, 32, 32] in [-1, 1]. */
  readonly image: Float32Array;
  /** Undefined when no classifier is available. */
  readonly prediction?: Prediction;
}

export interface ImageHeads {
  /** Decodes one generator output held at offset 0 of `source` (f_hat or latent, batch 1). */
  decode(source: GPUBuffer): Promise<DecodedOutput>;
  /** Why there is no prediction, when the classifier could not be loaded. */
  readonly classifierNote?: string;
  /** Decodes and classifies `batch` outputs without accumulating them (fp32's side of the paired metrics); optional. */
  decodeBatch?(source: GPUBuffer, batch: number): Promise<BatchReadback>;
  /** A fresh sample-quality accumulator on these decoders and classifier (measureQuality); undefined without a classifier. */
  startQuality?(): QualityAccumulator | undefined;
  /** Idempotent. */
  dispose(): Promise<void>;
}

/** Builds the heads of one generator on a device; throws when its decoder cannot be loaded. */
export type HeadsFactory = (device: GPUDevice, bundles: LoadedBundles) => Promise<ImageHeads>;
