/** Classifier outputs to labels: softmax confidence and argmax per row of logits [B, numClasses]. */
import { requireShape } from './errors';

export interface Prediction {
  /** argmax of the logits (the first one on ties). */
  readonly label: number;
  /** softmax probability of `label`. */
  readonly confidence: number;
  readonly probabilities: Float64Array;
}

/** Softmax of one row, computed stably (max subtracted first). */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp(logits[i] - max);
    sum += out[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

export function predict(logits: ArrayLike<number>, numClasses: number): Prediction[] {
  requireShape(
    numClasses > 0 && logits.length % numClasses === 0,
    'logits',
    `rows of ${numClasses} classes`,
    `${logits.length} values`,
  );
  const out: Prediction[] = [];
  for (let r = 0; r < logits.length / numClasses; r++) {
    const row = Array.prototype.slice.call(logits, r * numClasses, (r + 1) * numClasses) as number[];
    const probabilities = softmax(row);
    let label = 0;
    for (let c = 1; c < numClasses; c++) if (row[c] > row[label]) label = c;
    out.push({ label, confidence: probabilities[label], probabilities });
  }
  return out;
}

/** Fraction of predictions equal to the wanted labels (the class each sample was generated for). */
export function accuracy(predictions: readonly Prediction[], labels: ArrayLike<number>): number {
  requireShape(
    predictions.length === labels.length && labels.length > 0,
    'accuracy',
    'one label per prediction',
    `${predictions.length} predictions, ${labels.length} labels`,
  );
  let hits = 0;
  predictions.forEach((p, i) => {
    if (p.label === labels[i]) hits++;
  });
  return hits / labels.length;
}
