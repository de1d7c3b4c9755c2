/**
 * References of VAR's multi-scale VQ ops on latent maps [B, C, H, W] (f64 math on f32 inputs), written from
 * PyTorch's CPU kernels:
 *  - codebook gather: h[b, c, y, x] = codebook[idx[b, y*pn + x], c]
 *  - bicubic upsample = F.interpolate(mode='bicubic', align_corners=False): source coordinate
 *    s = (d + 0.5) * in/out - 0.5 (not clamped), taps floor(s)-1 .. floor(s)+2 clamped to [0, in-1], cubic
 *    convolution weights with A = -0.75, separable
 *  - area downsample = F.interpolate(mode='area') = adaptive_avg_pool2d: cell i averages rows
 *    floor(i*in/out) .. ceil((i+1)*in/out) - 1 (and the same for columns)
 *  - Phi: (1 - r) h + r (conv3x3(h, zero padding 1) + bias), weight [C, C, 3, 3] in torch layout
 *  - nearest code: argmin_v |z - e_v|^2, the first index on ties (torch argmin)
 */

export interface MapShape {
  readonly batch: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

export function codebookGatherRef(
  indices: ArrayLike<number>,
  codebook: ArrayLike<number>,
  batch: number,
  side: number,
  channels: number,
): Float64Array {
  const n = side * side;
  const out = new Float64Array(batch * channels * n);
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < n; p++) {
      const code = indices[b * n + p];
      for (let c = 0; c < channels; c++) out[(b * channels + c) * n + p] = codebook[code * channels + c];
    }
  }
  return out;
}

const CUBIC_A = -0.75;

/** PyTorch's cubic_convolution1 (|x| <= 1) and cubic_convolution2 (1 < |x| < 2). */
function cubicNear(x: number): number {
  return ((CUBIC_A + 2) * x - (CUBIC_A + 3)) * x * x + 1;
}
function cubicFar(x: number): number {
  return ((CUBIC_A * x - 5 * CUBIC_A) * x + 8 * CUBIC_A) * x - 4 * CUBIC_A;
}

/** The 4 clamped source indices and weights of output index `d` (torch get_cubic_upsample_coefficients). */
export function bicubicTaps(d: number, inSize: number, outSize: number): { index: number[]; weight: number[] } {
  const source = (inSize / outSize) * (d + 0.5) - 0.5;
  const base = Math.floor(source);
  const t = source - base;
  const weight = [cubicFar(t + 1), cubicNear(t), cubicNear(1 - t), cubicFar(2 - t)];
  const index = [-1, 0, 1, 2].map((k) => Math.min(Math.max(base + k, 0), inSize - 1));
  return { index, weight };
}

export function bicubicUpsampleRef(
  input: ArrayLike<number>,
  shape: MapShape,
  outHeight: number,
  outWidth: number,
): Float64Array {
  const { batch, channels, height, width } = shape;
  const out = new Float64Array(batch * channels * outHeight * outWidth);
  const rows = Array.from({ length: outHeight }, (_, y) => bicubicTaps(y, height, outHeight));
  const cols = Array.from({ length: outWidth }, (_, x) => bicubicTaps(x, width, outWidth));
  for (let plane = 0; plane < batch * channels; plane++) {
    const src = plane * height * width;
    for (let y = 0; y < outHeight; y++) {
      for (let x = 0; x < outWidth; x++) {
        let sum = 0;
        for (let i = 0; i < 4; i++) {
          let rowSum = 0;
          for (let j = 0; j < 4; j++)
            rowSum += cols[x].weight[j] * input[src + rows[y].index[i] * width + cols[x].index[j]];
          sum += rows[y].weight[i] * rowSum;
        }
        out[(plane * outHeight + y) * outWidth + x] = sum;
      }
    }
  }
  return out;
}

/** Output layout of area downsampling: NCHW maps, or tokens [B, H*W, C] (the word_embed input). */
export type MapLayout = 'nchw' | 'tokens';

export function areaDownsampleRef(
  x: ArrayLike<number>,
  shape: MapShape,
  outHeight: number,
  outWidth: number,
  layout: MapLayout = 'nchw',
): Float64Array {
  const { batch, channels, height, width } = shape;
  const cells = outHeight * outWidth;
  const out = new Float64Array(batch * channels * cells);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      const src = (b * channels + c) * height * width;
      for (let oy = 0; oy < outHeight; oy++) {
        const y0 = Math.floor((oy * height) / outHeight);
        const y1 = Math.ceil(((oy + 1) * height) / outHeight);
        for (let ox = 0; ox < outWidth; ox++) {
          const x0 = Math.floor((ox * width) / outWidth);
          const x1 = Math.ceil(((ox + 1) * width) / outWidth);
          let sum = 0;
          for (let y = y0; y < y1; y++) for (let xx = x0; xx < x1; xx++) sum += x[src + y * width + xx];
          const cell = oy * outWidth + ox;
          const i = layout === 'nchw' ? (b * channels + c) * cells + cell : (b * cells + cell) * channels + c;
          out[i] = sum / ((y1 - y0) * (x1 - x0));
        }
      }
    }
  }
  return out;
}

/** (1 - ratio) h + ratio (conv3x3(h) + bias), weight [C, C, 3, 3], zero padding 1. */
export function phiConvRef(
  h: ArrayLike<number>,
  weight: ArrayLike<number>,
  bias: ArrayLike<number>,
  shape: MapShape,
  ratio: number,
): Float64Array {
  const { batch, channels: C, height: H, width: W } = shape;
  const out = new Float64Array(batch * C * H * W);
  for (let b = 0; b < batch; b++) {
    for (let co = 0; co < C; co++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          let conv = bias[co];
          for (let ci = 0; ci < C; ci++) {
            for (let ky = 0; ky < 3; ky++) {
              const yy = y + ky - 1;
              if (yy < 0 || yy >= H) continue;
              for (let kx = 0; kx < 3; kx++) {
                const xx = x + kx - 1;
                if (xx < 0 || xx >= W) continue;
                conv += weight[((co * C + ci) * 3 + ky) * 3 + kx] * h[((b * C + ci) * H + yy) * W + xx];
              }
            }
          }
          const i = ((b * C + co) * H + y) * W + x;
          out[i] = (1 - ratio) * h[i] + ratio * conv;
        }
      }
    }
  }
  return out;
}

/** For features [N, C] and codebook [V, C]: the index of the nearest code (squared L2), first on ties. */
export function nearestCodeRef(
  features: ArrayLike<number>,
  codebook: ArrayLike<number>,
  rows: number,
  codes: number,
  channels: number,
): Uint32Array {
  const out = new Uint32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = Infinity;
    for (let v = 0; v < codes; v++) {
      let dist = 0;
      for (let c = 0; c < channels; c++) dist += (features[r * channels + c] - codebook[v * channels + c]) ** 2;
      if (dist < best) {
        best = dist;
        out[r] = v;
      }
    }
  }
  return out;
}
