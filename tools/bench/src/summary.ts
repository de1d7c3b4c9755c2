/** Ratios of the run, each from two measurements taken in this same run on the same device. */
import type { Measurement, SummaryRow } from './resultTypes';

const GB = 1e9;

function ortOpFor(ours: Measurement): string | undefined {
  if (ours.format === 'int4s' || ours.format === 'int8s') return `ort-int${ours.format[3]}-blk${ours.groupSize}`;
  return undefined;
}

export function summarizeRun(measurements: readonly Measurement[]): SummaryRow[] {
  const find = (pred: (m: Measurement) => boolean): Measurement | undefined => measurements.find(pred);
  const rows: SummaryRow[] = [];
  for (const ours of measurements) {
    if (ours.kind !== 'ours' || ours.variant === 'copy') continue;
    const f32 = find((m) => m.kind === 'f32' && m.variant === ours.variant && m.size === ours.size);
    const copy = find(
      (m) => m.kind === 'copy' && m.size === ours.size && m.format === ours.format && m.groupSize === ours.groupSize,
    );
    const ortOp = ortOpFor(ours);
    const ort = ortOp
      ? find((m) => m.kind === 'ort' && m.variant === ours.variant && m.size === ours.size && m.format === ortOp)
      : undefined;
    const effectiveGBps = ours.trafficBytes / (ours.time.medianMs / 1e3) / GB;
    const copyGBps = copy ? copy.trafficBytes / (copy.time.medianMs / 1e3) / GB : undefined;
    rows.push({
      variant: ours.variant,
      size: ours.size,
      format: ours.format,
      groupSize: ours.groupSize ?? 0,
      oursKernel: ours.kernelPath,
      f32Kernel: f32?.kernelPath,
      oursMedianMs: ours.time.medianMs,
      oursMinMs: ours.time.minMs,
      f32MedianMs: f32?.time.medianMs,
      speedupVsF32: f32 ? f32.time.medianMs / ours.time.medianMs : undefined,
      speedupVsF32ByMin: f32 ? f32.time.minMs / ours.time.minMs : undefined,
      effectiveGBps,
      copyGBps,
      bandwidthFraction: copyGBps ? effectiveGBps / copyGBps : undefined,
      ortOp: ort ? ortOp : undefined,
      ortWallMedianMs: ort?.wall?.medianMs,
      oursWallMedianMs: ours.wall?.medianMs,
      speedupVsOrt: ort ? ort.wall.medianMs / ours.wall.medianMs : undefined,
      speedupVsOrtByMin: ort ? ort.wall.minMs / ours.wall.minMs : undefined,
    });
  }
  return rows;
}
