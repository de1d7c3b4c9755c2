/**
 * A PackedWeight restricted to some of its rows (output features), so the reference check can dequantise just
 * the rows it compares instead of all 16M weights of a 4096x4096 matrix (seconds of JS per format). The result
 * goes through the same dequantizeWeight as the full matrix; only the row selection is ours.
 */
import type { PackedWeight } from '../../../src/quant';

export function selectPackedRows(packed: PackedWeight, rows: readonly number[]): PackedWeight {
  if (packed.granularity.kind === 'tensor') {
    throw new Error('selectPackedRows: per-tensor weights share one scale; dequantise the whole matrix instead');
  }
  const { wordsPerRow, groupsPerRow } = packed;
  const codes = new Uint32Array(rows.length * wordsPerRow);
  const scaleCount = rows.length * groupsPerRow;
  const scales = new Uint16Array(scaleCount + (scaleCount & 1));
  const offsets = packed.offsets ? new Uint16Array(scales.length) : undefined;
  rows.forEach((row, i) => {
    if (!Number.isInteger(row) || row < 0 || row >= packed.rows)
      throw new Error(`selectPackedRows: row ${row} is outside 0..${packed.rows - 1}`);
    codes.set(packed.codes.subarray(row * wordsPerRow, (row + 1) * wordsPerRow), i * wordsPerRow);
    scales.set(packed.scales.subarray(row * groupsPerRow, (row + 1) * groupsPerRow), i * groupsPerRow);
    offsets?.set(packed.offsets!.subarray(row * groupsPerRow, (row + 1) * groupsPerRow), i * groupsPerRow);
  });
  return { ...packed, rows: rows.length, codes, scales, offsets };
}
