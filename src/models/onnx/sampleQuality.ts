/**
 * What the UI shows about generated digits as they arrive: the classifier runs on each decoded batch (on the
 * GPU, images never leave it), its logits and features are read back, features accumulate (f64 mean and
 * covariance), and FD against the classifier's test statistics, accuracy against the requested labels and a
 * jackknife error bar with a small-sample correction can be asked for at any time, and KID with its error when
 * the classifier bundle ships a KID reference. Images must arrive in sample order, sample i of class i mod
 * numClasses (the jackknife groups and KID's class weighting rely on it; src/metrics/jackknife.ts).
 */
import {
  accuracy,
  FeatureAccumulator,
  jackknifeFd,
  KidAccumulator,
  predict,
  type FdEstimate,
  type KidEstimate,
  type Prediction,
} from '../../metrics/index.ts';
import type { DigitClassifier } from './digitClassifier';
import { OnnxError } from './errors';

export interface BatchQuality {
  readonly predictions: Prediction[];
  /** Fraction of this batch classified as its requested label, when labels were given. */
  readonly accuracy?: number;
}

export class SampleQualityTracker {
  private readonly classifier: DigitClassifier;
  private readonly features: FeatureAccumulator;
  private readonly kid: KidAccumulator | undefined;
  private hits = 0;
  private labelled = 0;

  constructor(classifier: DigitClassifier) {
    this.classifier = classifier;
    this.features = new FeatureAccumulator(classifier.featureDim);
    const kidReference = classifier.kidReference();
    this.kid = kidReference ? new KidAccumulator(kidReference, { classes: classifier.numClasses }) : undefined;
  }

  get count(): number {
    return this.features.count;
  }

  /** Classifies and accumulates `batch` images ([batch, 1, 32, 32] f32 on the GPU); `labels` = the requested classes. */
  async addImages(images: GPUBuffer, batch: number, labels?: ArrayLike<number>): Promise<BatchQuality> {
    if (labels && labels.length !== batch) {
      throw new OnnxError(
        'input-invalid',
        this.classifier.bundleId,
        `${labels.length} labels for a batch of ${batch} images.`,
        'Pass one requested label per image, or none.',
      );
    }
    const { logits, features } = await this.classifier.classifyAndRead(images, batch);
    this.features.addBatch(features, batch);
    this.kid?.addBatch(features, batch);
    const predictions = predict(logits, this.classifier.numClasses);
    if (!labels) return { predictions };
    const batchAccuracy = accuracy(predictions, labels);
    this.hits += predictions.filter((p, i) => p.label === labels[i]).length;
    this.labelled += batch;
    return { predictions, accuracy: batchAccuracy };
  }

  /** FD of everything accumulated against the test statistics (needs 2+ samples). */
  fd(): number {
    return this.classifier.frechetReference().distance(this.features.mean(), this.features.covariance());
  }

  /** FD with a jackknife error bar and its small-sample correction (src/metrics/fdErrorBar.ts); needs 3+ samples. */
  fdEstimate(options?: { groups?: number }): FdEstimate {
    return jackknifeFd(this.classifier.frechetReference(), this.features, {
      groups: options?.groups,
      classes: this.classifier.numClasses,
    });
  }

  /** KID with its jackknife error (same groups as fdEstimate); undefined without a KID reference. Needs 3+ samples. */
  kidEstimate(options?: { groups?: number }): KidEstimate | undefined {
    return this.kid?.estimate(options);
  }

  /** Accuracy over every labelled sample so far, undefined before the first. */
  accuracy(): number | undefined {
    return this.labelled > 0 ? this.hits / this.labelled : undefined;
  }

  reset(): void {
    this.features.reset();
    this.kid?.reset();
    this.hits = 0;
    this.labelled = 0;
  }
}
