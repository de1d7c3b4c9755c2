/**
 * What the quality measurement needs from the ONNX heads: decode a batch of generator outputs, classify the
 * images, accumulate classifier features and hits. In the app it is SampleQualityTracker on the decoder and
 * classifier the generation service already loaded (onnxHeads.ts); tests without onnxruntime inject their own.
 */
export interface QualityEstimate {
  /** FD of every accumulated sample against the reference statistics. */
  readonly fd: number;
  /** Jackknife standard error of fd. */
  readonly stdError: number;
  /** FD with each jackknife group left out (metrics' pairedDifference pairs two points with them). */
  readonly leaveOut?: readonly number[];
  /** KID with its jackknife error and leave-outs (same groups), where the classifier ships a KID reference. */
  readonly kid?: { readonly kid: number; readonly stdError: number; readonly leaveOut: readonly number[] };
}

/** A decoded, classified batch read back to the CPU (the live point's paired metrics against fp32). */
export interface BatchReadback {
  /** The decoded images, [batch, pixels] in [-1, 1]. */
  readonly images: Float32Array;
  /** The classifier's label per image. */
  readonly predicted: readonly number[];
}

export interface QualityAccumulator {
  /** Samples accumulated so far. */
  readonly count: number;
  /**
   * Decodes the `batch` outputs at offset 0 of `source` (f_hat or latent), classifies and accumulates them; with
   * `readBack`, also returns the images and labels (an accumulator that cannot may return undefined).
   */
  add(source: GPUBuffer, batch: number, labels: readonly number[], readBack?: boolean): Promise<BatchReadback | void>;
  /** Needs 3+ samples (the jackknife leaves one group out). */
  estimate(): QualityEstimate;
  /** Fraction classified as their requested label (0 before the first sample). */
  accuracy(): number;
}
