/**
 * Randomized Hadamard rotation of a Linear's input dimension (the -had modifier, QuaRot-style), the plain
 * TypeScript reference of shaders/hadamard_act_quant.wgsl and training/hadamard.py.
 *
 * Convention (row vectors, a Linear is y = x W^T with W [N, K]): one orthogonal R [K, K] per K,
 *   R = blockdiag(H_b, ..., H_b) · D / sqrt(b)
 * with H_b the b x b Walsh–Hadamard (Sylvester) matrix, D = diag(d) random signs d_j = ±1 from a fixed seed, and
 * b the block size: the largest power of two dividing K (K = 192 -> 64, K = 1536 -> 512, an odd K -> 1, signs only).
 * Both X and W are rotated on the right, x' = x R and W' = W R, so x' W'^T = x R R^T W^T = x W^T exactly before
 * quantisation. For a row v, v R = (fwht of each b-block of v) ⊙ d / sqrt(b) ("rotateRow"): the weights get it
 * offline (then the setting's weight quantiser runs on W'), the activations at run time before their quantiser.
 * The signs are a hash of (seed, column), so the rotation stores no bits.
 */

/** The seed of the signs of every -had rotation (changing it changes every -had result, like a new calibration). */
export const HADAMARD_SEED = 0x9e3779b9;

/** The largest power of two dividing k (the Hadamard block size of a K = k input dimension). */
export function hadamardBlockSize(k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`hadamardBlockSize: k = ${k} is not a positive integer`);
  return k & -k;
}

/**
 * lowbias32 (C. Wellons' integer hash), in u32 arithmetic: the same in WGSL (u32 wraps) and Python (& 0xffffffff).
 * Its top bit gives column j's sign: -1 when set.
 */
export function hash32(x: number): number {
  x >>>= 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

/** The diagonal of D: d_j = ±1 for j < k. */
export function rotationSigns(k: number, seed = HADAMARD_SEED): Float32Array {
  const d = new Float32Array(k);
  for (let j = 0; j < k; j++) d[j] = hash32((seed + j) >>> 0) >>> 31 ? -1 : 1;
  return d;
}

/**
 * Unnormalized fast Walsh–Hadamard transform of each consecutive `block` values of v, in place (v.length a
 * multiple of block, block a power of two). Applying it twice multiplies by block (H_b H_b = b I).
 */
export function fwht(v: Float32Array | Float64Array, block = v.length): void {
  if (block < 1 || (block & (block - 1)) !== 0 || v.length % block !== 0)
    throw new RangeError(`fwht: block ${block} must be a power of two dividing the length ${v.length}`);
  for (let h = 1; h < block; h *= 2) {
    for (let start = 0; start < v.length; start += 2 * h) {
      // Pairs (i, i + h) inside each 2h span; spans never straddle a block since block is a multiple of 2h.
      for (let i = start; i < start + h; i++) {
        const a = v[i];
        const b = v[i + h];
        v[i] = a + b;
        v[i + h] = a - b;
      }
    }
  }
}

/**
 * rows x cols values, each row multiplied on the right by R (a new array). 'f64' (default): the butterfly in f64,
 * rounded to f32 once (the reference; training/hadamard.py gives the same bits). 'f32': every butterfly sum and the
 * final product rounded to f32, in the kernel's order: the exact arithmetic of shaders/hadamard_act_quant.wgsl
 * (IEEE f32 add/sub/mul are correctly rounded), for references of the GPU path.
 */
export function rotateRows(
  data: Float32Array,
  rows: number,
  cols: number,
  seed = HADAMARD_SEED,
  arithmetic: 'f64' | 'f32' = 'f64',
): Float32Array {
  if (data.length !== rows * cols) throw new RangeError(`rotateRows: ${data.length} values are not ${rows} x ${cols}`);
  const block = hadamardBlockSize(cols);
  const signs = rotationSigns(cols, seed);
  const f32 = arithmetic === 'f32';
  const norm = f32 ? Math.fround(1 / Math.sqrt(block)) : 1 / Math.sqrt(block);
  const out = new Float32Array(data.length);
  // A Float32Array rounds each stored sum of two f32 values exactly as an f32 addition does.
  const row = f32 ? new Float32Array(cols) : new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) row[j] = data[r * cols + j];
    fwht(row, block);
    for (let j = 0; j < cols; j++) out[r * cols + j] = row[j] * signs[j] * norm;
  }
  return out;
}

/**
 * R itself, k x k row-major, from its definition (not through fwht): R[i][j] = H_b[i mod b][j mod b] d_j / sqrt(b)
 * when i and j lie in the same block, else 0, with H_b[p][q] = (-1)^popcount(p & q). Tests compare rotateRows to it.
 */
export function rotationMatrix(k: number, seed = HADAMARD_SEED): Float64Array {
  const block = hadamardBlockSize(k);
  const signs = rotationSigns(k, seed);
  const norm = 1 / Math.sqrt(block);
  const r = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    const start = i - (i % block);
    for (let j = start; j < start + block; j++) {
      let bits = (i % block) & (j % block);
      let parity = 0;
      for (; bits; bits &= bits - 1) parity ^= 1;
      r[i * k + j] = (parity ? -1 : 1) * signs[j] * norm;
    }
  }
  return r;
}
