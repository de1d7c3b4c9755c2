/**
 * Bit packing of codes per the layout in formats.ts: each row is a little-endian bit stream of `bits`-bit codes
 * in u32 words, rows start on a word boundary, codes may straddle two words, unused high bits are zero.
 */
import { wordsPerRow as wordsPerRowFor } from './formats';
import { QuantizationError } from './errors';

export function packCodes(
  codes: Uint32Array | readonly number[],
  rows: number,
  cols: number,
  bits: number,
): Uint32Array {
  if (!Number.isInteger(bits) || bits < 1 || bits > 32)
    throw new QuantizationError(`packCodes: bits must be an integer in 1..32, got ${bits}`);
  if (codes.length !== rows * cols) {
    throw new QuantizationError(
      `packCodes: got ${codes.length} codes for a ${rows}x${cols} matrix; pass exactly rows*cols codes, row-major`,
    );
  }
  const wpr = wordsPerRowFor(cols, bits);
  const words = new Uint32Array(rows * wpr);
  const limit = 2 ** bits;
  for (let r = 0; r < rows; r++) {
    const rowBase = r * wpr;
    for (let k = 0; k < cols; k++) {
      const code = codes[r * cols + k];
      if (!Number.isInteger(code) || code < 0 || code >= limit) {
        throw new QuantizationError(`packCodes: code ${code} at row ${r}, col ${k} does not fit in ${bits} bits`);
      }
      const bitPos = k * bits;
      const word = rowBase + (bitPos >>> 5);
      const offset = bitPos & 31;
      words[word] = (words[word] | (code << offset)) >>> 0;
      if (offset + bits > 32) words[word + 1] = (words[word + 1] | (code >>> (32 - offset))) >>> 0;
    }
  }
  return words;
}

export function unpackCode(words: Uint32Array, row: number, col: number, wordsPerRow: number, bits: number): number {
  const bitPos = col * bits;
  const word = row * wordsPerRow + (bitPos >>> 5);
  const offset = bitPos & 31;
  let value = words[word] >>> offset;
  if (offset + bits > 32) value |= words[word + 1] << (32 - offset);
  return bits === 32 ? value >>> 0 : (value & ((1 << bits) - 1)) >>> 0;
}
