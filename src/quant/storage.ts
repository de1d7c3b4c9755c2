/** Memory accounting of a packed weight, for the storage panel and the bits axis of scaling-law charts. */
import { packedByteLength, type PackedWeight } from './formats';

export interface WeightStorageReport {
  readonly params: number;
  readonly codeBytes: number;
  readonly scaleBytes: number;
  readonly offsetBytes: number;
  readonly totalBytes: number;
  /** totalBytes * 8 / params: code bits plus the amortised scales/offsets and padding. */
  readonly bitsPerWeight: number;
  /** params * bits / 8: the codes alone with no padding or scales. */
  readonly idealBytes: number;
}

export function weightStorageReport(p: PackedWeight): WeightStorageReport {
  const params = p.rows * p.cols;
  const totalBytes = packedByteLength(p);
  return {
    params,
    codeBytes: p.codes.byteLength,
    scaleBytes: p.scales.byteLength,
    offsetBytes: p.offsets?.byteLength ?? 0,
    totalBytes,
    bitsPerWeight: (totalBytes * 8) / params,
    idealBytes: (params * p.bits) / 8,
  };
}
