/** Plain matmul reference for every GPU matmul test: Y[m, n] = X[m, k] W[n, k]^T + bias[n], f64 accumulation. */
import { QuantizationError } from './errors';

export function matmulReference(
  x: Float32Array,
  m: number,
  k: number,
  w: Float32Array,
  n: number,
  bias?: Float32Array,
): Float32Array {
  if (x.length !== m * k)
    throw new QuantizationError(`matmulReference: X has ${x.length} values, expected m*k = ${m}*${k}`);
  if (w.length !== n * k)
    throw new QuantizationError(
      `matmulReference: W has ${w.length} values, expected n*k = ${n}*${k} (row-major [out, in])`,
    );
  if (bias && bias.length !== n)
    throw new QuantizationError(`matmulReference: bias has ${bias.length} values, expected n = ${n}`);
  const y = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = bias ? bias[j] : 0;
      const xBase = i * k;
      const wBase = j * k;
      for (let t = 0; t < k; t++) sum += x[xBase + t] * w[wBase + t];
      y[i * n + j] = sum;
    }
  }
  return y;
}
