/**
 * The engine's own seeded random source (the goldens record torch's draws, so parity tests replay those
 * instead; this one is for normal use): PCG32 (O'Neill, XSH RR) on BigInt-free 32-bit halves, uniforms in
 * [0, 1) with 24 random bits (exactly representable in f32, so a uniform never rounds up to 1), and standard
 * normals by Box-Muller. Deterministic for a given seed on every platform.
 */
const MULT_HI = 0x5851f42d;
const MULT_LO = 0x4c957f2d;
const INC_HI = 0x14057b7e;
const INC_LO = 0xf767814f;

export class Pcg32 {
  private hi = 0;
  private lo = 0;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) {
      throw new RangeError(`seed ${seed} must be a non-negative safe integer`);
    }
    this.step();
    this.add(Math.floor(seed / 2 ** 32) >>> 0, seed >>> 0);
    this.step();
  }

  /** Next 32 random bits as an unsigned integer. */
  nextU32(): number {
    const oldHi = this.hi;
    const oldLo = this.lo;
    this.step();
    // xorshifted = ((old >> 18) ^ old) >> 27, truncated to 32 bits; rot = old >> 59.
    const xHi = (oldHi >>> 18) ^ oldHi;
    const xLo = ((oldHi << 14) | (oldLo >>> 18)) ^ oldLo;
    const xorshifted = ((xHi << 5) | (xLo >>> 27)) >>> 0;
    const rot = oldHi >>> 27;
    return ((xorshifted >>> rot) | (xorshifted << ((32 - rot) & 31))) >>> 0;
  }

  /** Uniform in [0, 1) with 24 random bits. */
  uniform(): number {
    return (this.nextU32() >>> 8) / 16777216;
  }

  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const v = this.spareNormal;
      this.spareNormal = undefined;
      return v;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: log stays finite
    const u2 = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = radius * Math.sin(2 * Math.PI * u2);
    return radius * Math.cos(2 * Math.PI * u2);
  }

  uniforms(count: number): Float32Array {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = this.uniform();
    return out;
  }

  normals(count: number): Float32Array {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = this.normal();
    return out;
  }

  /** state = state * MULT + INC (mod 2^64), on two 32-bit halves. */
  private step(): void {
    const lo = this.lo;
    const hi = this.hi;
    const loProduct = mul32Wide(lo, MULT_LO);
    const newHi = (loProduct.hi + Math.imul(lo, MULT_HI) + Math.imul(hi, MULT_LO)) >>> 0;
    this.lo = loProduct.lo;
    this.hi = newHi;
    this.add(INC_HI, INC_LO);
  }

  private add(hi: number, lo: number): void {
    const sumLo = this.lo + lo;
    this.lo = sumLo >>> 0;
    this.hi = (this.hi + hi + (sumLo > 0xffffffff ? 1 : 0)) >>> 0;
  }
}

/** Full 64-bit product of two u32 values, as 32-bit halves. */
function mul32Wide(a: number, b: number): { hi: number; lo: number } {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const ll = aLo * bLo;
  const lh = aLo * bHi;
  const hl = aHi * bLo;
  const hh = aHi * bHi;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  const lo = ((mid << 16) | (ll & 0xffff)) >>> 0;
  const hi = (hh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
  return { hi, lo };
}
