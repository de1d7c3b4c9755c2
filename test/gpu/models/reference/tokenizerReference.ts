/**
 * CPU reference of VAR's multi-scale tokenizer step (docs/bundle-format.md, family `vqvae`): codebook gather,
 * PyTorch bicubic upsample (align_corners=False, A = -0.75, clamped indices), Phi residual conv, area
 * (adaptive average) downsample. f64 math, f32 results.
 */
import type { TensorReader } from '../tensors';
import type { VqvaeConfig } from '../../../../src/models/var/varConfig';

export class TokenizerReference {
  readonly codebook: Float32Array;
  readonly phiWeights: Float32Array[] = [];
  readonly phiBiases: Float32Array[] = [];

  constructor(
    readonly config: VqvaeConfig,
    file: TensorReader,
  ) {
    this.codebook = file.f32('quantize.embedding.weight');
    for (let i = 0; i < config.phiCount; i++) {
      this.phiWeights.push(file.f32(`quantize.quant_resi.qresi_ls.${i}.weight`));
      this.phiBiases.push(file.f32(`quantize.quant_resi.qresi_ls.${i}.bias`));
    }
  }

  /** tokens [pn*pn] -> h [Cvae, pn, pn]. */
  gather(tokens: ArrayLike<number>, pn: number): Float32Array {
    const C = this.config.cvae;
    const h = new Float32Array(C * pn * pn);
    for (let i = 0; i < pn * pn; i++) for (let c = 0; c < C; c++) h[c * pn * pn + i] = this.codebook[tokens[i] * C + c];
    return h;
  }

  /** One step: f_hat [Cvae, H, H] updated in place; returns next_map [pn_next^2, Cvae] (undefined after the last scale). */
  step(k: number, tokens: ArrayLike<number>, fHat: Float32Array): Float32Array | undefined {
    const { patchNums, latentSize: H, cvae: C } = this.config;
    const K = patchNums.length;
    const pn = patchNums[k];
    let h = this.gather(tokens, pn);
    if (k < K - 1) h = bicubicRef(h, C, pn, H);
    const phi = phiRef(h, C, H, this.phiWeights[this.config.phiIndexPerScale[k]], this.phiBiases[this.config.phiIndexPerScale[k]], this.config.phiResiRatio);
    for (let i = 0; i < fHat.length; i++) fHat[i] = Math.fround(fHat[i] + phi[i]);
    if (k === K - 1) return undefined;
    const next = patchNums[k + 1];
    const down = areaRef(fHat, C, H, next);
    const map = new Float32Array(next * next * C);
    for (let c = 0; c < C; c++) for (let i = 0; i < next * next; i++) map[i * C + c] = down[c * next * next + i];
    return map;
  }
}

function cubicWeights(t: number): number[] {
  const A = -0.75;
  const w1 = ((A + 2) * t - (A + 3)) * t * t + 1;
  const u = 1 - t;
  const w2 = ((A + 2) * u - (A + 3)) * u * u + 1;
  const x0 = t + 1;
  const w0 = ((A * x0 - 5 * A) * x0 + 8 * A) * x0 - 4 * A;
  const x3 = 2 - t;
  const w3 = ((A * x3 - 5 * A) * x3 + 8 * A) * x3 - 4 * A;
  return [w0, w1, w2, w3];
}

export function bicubicRef(x: Float32Array, channels: number, inSize: number, outSize: number): Float32Array {
  const out = new Float32Array(channels * outSize * outSize);
  const scale = inSize / outSize;
  const taps = (d: number) => {
    const s = (d + 0.5) * scale - 0.5;
    const f = Math.floor(s);
    const w = cubicWeights(s - f);
    return [0, 1, 2, 3].map((i) => ({ index: Math.min(Math.max(f - 1 + i, 0), inSize - 1), weight: w[i] }));
  };
  for (let c = 0; c < channels; c++) {
    for (let oy = 0; oy < outSize; oy++) {
      for (let ox = 0; ox < outSize; ox++) {
        let sum = 0;
        for (const ty of taps(oy)) for (const tx of taps(ox)) sum += ty.weight * tx.weight * x[(c * inSize + ty.index) * inSize + tx.index];
        out[(c * outSize + oy) * outSize + ox] = sum;
      }
    }
  }
  return out;
}

export function areaRef(x: Float32Array, channels: number, inSize: number, outSize: number): Float32Array {
  const out = new Float32Array(channels * outSize * outSize);
  const range = (i: number) => [Math.floor((i * inSize) / outSize), Math.ceil(((i + 1) * inSize) / outSize)];
  for (let c = 0; c < channels; c++) {
    for (let oy = 0; oy < outSize; oy++) {
      for (let ox = 0; ox < outSize; ox++) {
        const [y0, y1] = range(oy);
        const [x0, x1] = range(ox);
        let sum = 0;
        for (let y = y0; y < y1; y++) for (let xx = x0; xx < x1; xx++) sum += x[(c * inSize + y) * inSize + xx];
        out[(c * outSize + oy) * outSize + ox] = sum / ((y1 - y0) * (x1 - x0));
      }
    }
  }
  return out;
}

/** (1 - r) h + r (conv3x3(h) + bias), zero padding 1; h [C, S, S], weight [C, C, 3, 3]. */
export function phiRef(h: Float32Array, C: number, S: number, weight: Float32Array, bias: Float32Array, r: number): Float32Array {
  const out = new Float32Array(C * S * S);
  for (let o = 0; o < C; o++) {
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        let sum = bias[o];
        for (let i = 0; i < C; i++) {
          for (let dy = 0; dy < 3; dy++) {
            const yy = y + dy - 1;
            if (yy < 0 || yy >= S) continue;
            for (let dx = 0; dx < 3; dx++) {
              const xx = x + dx - 1;
              if (xx < 0 || xx >= S) continue;
              sum += weight[((o * C + i) * 3 + dy) * 3 + dx] * h[(i * S + yy) * S + xx];
            }
          }
        }
        out[(o * S + y) * S + x] = (1 - r) * h[(o * S + y) * S + x] + r * sum;
      }
    }
  }
  return out;
}
