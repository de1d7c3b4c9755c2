/**
 * Per-input-channel magnitude statistics of a Linear's inputs (rows of `channels` values, from any number of
 * recorded chunks): max |x| and mean |x| per channel. A few channels with a max far above the median channel's
 * are the "outlier channels" that make per-token activation quantisation hard and that SmoothQuant migrates
 * into the weights. Sums in f64.
 */

export interface ChannelStats {
  readonly channels: number;
  /** Rows (tokens x samples x steps) the statistics cover. */
  readonly rows: number;
  readonly maxAbs: Float32Array;
  readonly meanAbs: Float32Array;
}

export function channelStats(chunks: readonly Float32Array[], channels: number): ChannelStats {
  if (!Number.isInteger(channels) || channels < 1)
    throw new RangeError(`channels ${channels} must be a positive integer.`);
  const max = new Float64Array(channels);
  const sum = new Float64Array(channels);
  let rows = 0;
  for (const chunk of chunks) {
    if (chunk.length % channels !== 0)
      throw new RangeError(`a chunk of ${chunk.length} values is not whole rows of ${channels} channels.`);
    const n = chunk.length / channels;
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < channels; c++) {
        const a = Math.abs(chunk[r * channels + c]!);
        if (a > max[c]!) max[c] = a;
        sum[c] += a;
      }
    }
    rows += n;
  }
  return {
    channels,
    rows,
    maxAbs: Float32Array.from(max),
    meanAbs: Float32Array.from(sum, (s) => (rows > 0 ? s / rows : 0)),
  };
}

/** Median of the values (mean of the two middle ones for an even count). */
export function median(values: ArrayLike<number>): number {
  if (values.length === 0) throw new RangeError('median of no values.');
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Largest value over the median value: how far the worst outlier channel stands out (Infinity for a zero median). */
export function maxOverMedian(values: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]!);
  const m = median(values);
  return m > 0 ? max / m : max > 0 ? Infinity : 1;
}
