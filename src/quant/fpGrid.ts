/**
 * Encoding real numbers to OCP MX floating-point element codes (the decode side, decodeFp, is in formats.ts).
 *
 * quantizeToFp rounds to the nearest representable value with ties to even (on the code's last mantissa bit,
 * which is also the even value at binade boundaries), saturates to ±maxFinite instead of producing Infinity or
 * NaN codes (E4M3's S.1111.111 and E5M2's exponent-31 codes are never produced), and maps every zero result,
 * including -0 and tiny negatives, to code 0 so that equal values always get equal codes.
 */
import { decodeFp, type FpSpec } from './formats';
import { QuantizationError } from './errors';
import { roundHalfEven } from './rounding';

/** Exponent of the binade holding a > 0: the e with 2^e <= a < 2^(e+1) (log2 alone can be off by one). */
function binadeExponent(a: number): number {
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1;
  else if (2 ** (e + 1) <= a) e += 1;
  return e;
}

/** Code of the nearest representable value to x (round half to even, saturating). x must not be NaN. */
export function quantizeToFp(spec: FpSpec, x: number): number {
  if (Number.isNaN(x)) {
    throw new QuantizationError(
      `quantizeToFp(${spec.name}) got NaN: find where the NaN comes from upstream; NaN has no code`,
    );
  }
  const signBit = 1 << (spec.bits - 1);
  const a = Math.abs(x);
  const minNormalExp = 1 - spec.bias;
  if (a >= spec.maxFinite) return x < 0 ? signBit | maxFiniteCode(spec) : maxFiniteCode(spec);
  // Quantum (spacing) of the binade holding a; subnormals share the spacing of the lowest normal binade.
  const e = a === 0 ? minNormalExp : Math.max(binadeExponent(a), minNormalExp);
  const quantum = 2 ** (e - spec.manBits);
  const q = Math.min(roundHalfEven(a / quantum) * quantum, spec.maxFinite); // a / quantum is exact (power of 2)
  if (q === 0) return 0;
  const magnitudeCode = encodeMagnitude(spec, q);
  return x < 0 ? signBit | magnitudeCode : magnitudeCode;
}

/** Code (sign 0) of a representable magnitude q > 0. */
function encodeMagnitude(spec: FpSpec, q: number): number {
  const minNormal = 2 ** (1 - spec.bias);
  if (q < minNormal) return q / 2 ** (1 - spec.bias - spec.manBits); // subnormal: exponent field 0
  const e = binadeExponent(q);
  const mantissa = (q / 2 ** e - 1) * (1 << spec.manBits);
  return ((e + spec.bias) << spec.manBits) | mantissa;
}

const maxCodeCache = new Map<string, number>();

/** Code (sign 0) of +maxFinite. */
export function maxFiniteCode(spec: FpSpec): number {
  let code = maxCodeCache.get(spec.name);
  if (code === undefined) {
    code = encodeMagnitude(spec, spec.maxFinite);
    maxCodeCache.set(spec.name, code);
  }
  return code;
}

/** All distinct finite values of the format, ascending (±0 appear once, as 0). */
export function fpGridValues(spec: FpSpec): number[] {
  const values = new Set<number>();
  for (let code = 0; code < 1 << spec.bits; code++) {
    const v = decodeFp(spec, code);
    if (Number.isFinite(v)) values.add(v === 0 ? 0 : v);
  }
  return [...values].sort((p, q) => p - q);
}

/** Decoded value of every code (NaN/±Infinity where the format has them), for table lookups in hot loops. */
export function fpDecodeTable(spec: FpSpec): Float64Array {
  const table = new Float64Array(1 << spec.bits);
  for (let code = 0; code < table.length; code++) table[code] = decodeFp(spec, code);
  return table;
}
