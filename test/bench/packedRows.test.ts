import { describe, expect, it } from 'vitest';
import { dequantizeWeight, quantizeWeight, type WeightFormat } from '../../src/quant';
import { selectPackedRows } from '../../tools/bench/src/packedRows';
import { Rng } from '../../src/util/random';

describe('selectPackedRows', () => {
  const formats: WeightFormat[] = [
    { kind: 'int', bits: 3, symmetric: true },
    { kind: 'int', bits: 4, symmetric: false },
    { kind: 'fp', name: 'e2m1' },
  ];
  for (const format of formats) {
    it(`dequantises to exactly the selected rows of the full matrix (${JSON.stringify(format)})`, () => {
      const rows = 9;
      const cols = 200; // a short last group, and 3-bit codes straddling words
      const packed = quantizeWeight(new Rng(3).normals(rows * cols), rows, cols, format, { kind: 'group', size: 64 });
      const picked = [0, 3, 4, 8];
      const full = dequantizeWeight(packed);
      const expected = picked.flatMap((r) => Array.from(full.subarray(r * cols, (r + 1) * cols)));
      expect(Array.from(dequantizeWeight(selectPackedRows(packed, picked)))).toEqual(expected);
    });
  }

  it('refuses per-tensor weights and rows out of range', () => {
    const w = new Rng(1).normals(4 * 32);
    expect(() =>
      selectPackedRows(quantizeWeight(w, 4, 32, { kind: 'int', bits: 4, symmetric: true }, { kind: 'tensor' }), [0]),
    ).toThrow(/per-tensor/);
    expect(() =>
      selectPackedRows(
        quantizeWeight(w, 4, 32, { kind: 'int', bits: 4, symmetric: true }, { kind: 'group', size: 32 }),
        [4],
      ),
    ).toThrow(/outside/);
  });
});
