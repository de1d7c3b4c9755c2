import { describe, expect, it } from 'vitest';
import { QuantizationError, packCodes, unpackCode, wordsPerRow } from '../../src/quant';
import { naivePackCodes, naiveUnpackRow } from './naive';
import { makeRng } from './prng';

describe('code packing', () => {
  it('matches a BigInt bit-stream packing for 1..8 bits and awkward column counts', () => {
    const seed = 4401;
    const rng = makeRng(seed);
    for (let bits = 1; bits <= 8; bits++) {
      for (const cols of [1, 3, 7, 31, 32, 33, 45, 100, 129]) {
        const rows = rng.int(1, 5);
        const codes = Array.from({ length: rows * cols }, () => rng.int(0, 2 ** bits - 1));
        const words = packCodes(codes, rows, cols, bits);
        const where = `seed ${seed}, bits ${bits}, ${rows}x${cols}`;
        expect(words.length, where).toBe(rows * wordsPerRow(cols, bits));
        expect(Array.from(words), where).toEqual(Array.from(naivePackCodes(codes, rows, cols, bits)));
        for (let r = 0; r < rows; r++) {
          const unpacked = Array.from({ length: cols }, (_, k) =>
            unpackCode(words, r, k, wordsPerRow(cols, bits), bits),
          );
          expect(unpacked, where).toEqual(codes.slice(r * cols, (r + 1) * cols));
          expect(naiveUnpackRow(words, r, cols, bits), where).toEqual(unpacked);
        }
      }
    }
  });

  it('straddles word boundaries for 3/5/6/7-bit codes at the documented bit positions', () => {
    // 3 bits: code 10 sits at stream bits 30..32: bits 30,31 of word 0 and bit 0 of word 1.
    const codes3 = new Array<number>(11).fill(0);
    codes3[10] = 0b111;
    const w3 = packCodes(codes3, 1, 11, 3);
    expect(Array.from(w3)).toEqual([0xc0000000, 0x1]);
    for (const bits of [3, 5, 6, 7]) {
      const cols = 64;
      const codes = Array.from({ length: cols }, (_, k) => (k * 37 + 11) % 2 ** bits);
      const words = packCodes(codes, 1, cols, bits);
      for (let k = 0; k < cols; k++) {
        const start = k * bits;
        if ((start & 31) + bits <= 32) continue; // only the straddling ones
        const low = words[start >> 5] >>> (start & 31);
        const high = words[(start >> 5) + 1] << (32 - (start & 31));
        expect(((low | high) & (2 ** bits - 1)) >>> 0, `bits ${bits}, col ${k}`).toBe(codes[k]);
      }
    }
  });

  it('starts every row on a word boundary with no padding inside a row and zero tail bits', () => {
    // 2 rows of 11 5-bit codes: 55 bits -> 2 words per row, the top 9 bits of each row's last word unused.
    const codes = new Array<number>(22).fill(31);
    const words = packCodes(codes, 2, 11, 5);
    expect(wordsPerRow(11, 5)).toBe(2);
    expect(Array.from(words)).toEqual([0xffffffff, 0x7fffff, 0xffffffff, 0x7fffff]);
    expect(wordsPerRow(45, 4)).toBe(6);
    expect(wordsPerRow(100, 3)).toBe(10);
    expect(wordsPerRow(256, 8)).toBe(64);
  });

  it('rejects codes that do not fit and miscounted inputs', () => {
    expect(() => packCodes([0, 8], 1, 2, 3)).toThrow(/row 0, col 1/);
    expect(() => packCodes([0, -1], 1, 2, 3)).toThrow(QuantizationError);
    expect(() => packCodes([0, 1, 2], 1, 2, 3)).toThrow(/rows\*cols/);
  });
});
