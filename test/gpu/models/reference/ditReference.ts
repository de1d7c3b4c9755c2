/**
 * CPU reference of the DiT forward and its DDPM / DDIM updates (docs/bundle-format.md, family `dit`), from the
 * op references in src/ops and refLinears.ts; every op's result rounded to f32. The timestep embedding follows
 * torch's float32 arithmetic (f32 frequencies and products) so that cos/sin of t up to 999 agree.
 */
import { layerNormModulateRef } from '../../../../src/ops/layerNorm';
import { geluTanhRef, residualAddRef, siluRef } from '../../../../src/ops/elementwise';
import { attentionRef, tokenMajorQkvLayouts } from '../../../../src/ops/attention';
import type { TensorReader } from '../tensors';
import { ditTokens, type DitConfig } from '../../../../src/models/dit/ditConfig';
import type { StepCoefficients } from '../../../../src/models/dit/diffusionSchedule';
import type { LinearFn } from './refLinears';

const f32 = (a: ArrayLike<number>) => Float32Array.from(a);
const fr = Math.fround;

export function timestepEmbeddingRef(t: number, dim: number): Float32Array {
  const half = dim / 2;
  const out = new Float32Array(dim);
  const negLog = fr(-Math.log(10000));
  for (let i = 0; i < half; i++) {
    const freq = fr(Math.exp(fr(fr(negLog * i) / half)));
    const arg = fr(t * freq);
    out[i] = Math.cos(arg);
    out[half + i] = Math.sin(arg);
  }
  return out;
}

export class DitReference {
  private readonly t: (name: string) => Float32Array;

  constructor(
    readonly config: DitConfig,
    file: TensorReader,
    private readonly linear: LinearFn,
  ) {
    const cache = new Map<string, Float32Array>();
    this.t = (name) => {
      let v = cache.get(name);
      if (!v) cache.set(name, (v = file.f32(name)));
      return v;
    };
  }

  /** x [B, Cin, S, S], timesteps and labels [B] -> [B, outChannels, S, S]. */
  forward(x: Float32Array, timesteps: readonly number[], labels: readonly number[]): Float32Array {
    const { width: D, patch: p, inputSize: S, inChannels: Cin, outChannels: Cout, heads: H, headDim: d, depth, lnEps, freqDim } = this.config;
    const B = labels.length;
    const T = ditTokens(this.config);
    const G = S / p;
    const patches = new Float32Array(B * T * Cin * p * p);
    for (let b = 0; b < B; b++)
      for (let gy = 0; gy < G; gy++)
        for (let gx = 0; gx < G; gx++)
          for (let c = 0; c < Cin; c++)
            for (let i = 0; i < p; i++)
              for (let j = 0; j < p; j++)
                patches[((b * T + gy * G + gx) * Cin + c) * p * p + i * p + j] = x[((b * Cin + c) * S + gy * p + i) * S + gx * p + j];
    const tokens = this.linear('x_embedder.proj', patches, B * T);
    const pos = this.t('pos_embed');
    for (let r = 0; r < B * T; r++) for (let c = 0; c < D; c++) tokens[r * D + c] += pos[(r % T) * D + c];
    const temb = new Float32Array(B * freqDim);
    timesteps.forEach((t, b) => temb.set(timestepEmbeddingRef(t, freqDim), b * freqDim));
    const t1 = this.linear('t_embedder.mlp.0', temb, B);
    const cvec = this.linear('t_embedder.mlp.2', f32(Array.from(t1, siluRef)), B);
    const table = this.t('y_embedder.embedding_table.weight');
    labels.forEach((y, b) => {
      for (let c = 0; c < D; c++) cvec[b * D + c] += table[y * D + c];
    });
    const cs = f32(Array.from(cvec, siluRef));
    const rows = B * T;
    const qkvLayouts = tokenMajorQkvLayouts(T, H, d);
    for (let blk = 0; blk < depth; blk++) {
      const pre = `blocks.${blk}`;
      const ada = this.linear(`${pre}.adaLN_modulation.1`, cs, B);
      const mod = (shift: number, scale: number) => ({ values: ada, shift: { stride: 6 * D, offset: shift * D }, scale: { stride: 6 * D, offset: scale * D }, tokensPerSample: T });
      const h1 = f32(layerNormModulateRef(tokens, rows, D, lnEps, mod(0, 1)));
      const qkv = this.linear(`${pre}.attn.qkv`, h1, rows);
      const attn = attentionRef(qkv, qkvLayouts.q, qkv, qkvLayouts.k, qkv, qkvLayouts.v, { batch: B, heads: H, headDim: d, queries: T, keys: T, scale: 1 / Math.sqrt(d) });
      const proj = this.linear(`${pre}.attn.proj`, f32(attn), rows);
      tokens.set(residualAddRef(tokens, proj, rows, D, { values: ada, layout: { stride: 6 * D, offset: 2 * D }, tokensPerSample: T }));
      const h2 = f32(layerNormModulateRef(tokens, rows, D, lnEps, mod(3, 4)));
      const hidden = this.linear(`${pre}.mlp.fc1`, h2, rows);
      const mlp = this.linear(`${pre}.mlp.fc2`, f32(Array.from(hidden, geluTanhRef)), rows);
      tokens.set(residualAddRef(tokens, mlp, rows, D, { values: ada, layout: { stride: 6 * D, offset: 5 * D }, tokensPerSample: T }));
    }
    const fada = this.linear('final_layer.adaLN_modulation.1', cs, B);
    const h = f32(layerNormModulateRef(tokens, rows, D, lnEps, { values: fada, shift: { stride: 2 * D, offset: 0 }, scale: { stride: 2 * D, offset: D }, tokensPerSample: T }));
    const outTokens = this.linear('final_layer.linear', h, rows);
    const out = new Float32Array(B * Cout * S * S);
    for (let b = 0; b < B; b++)
      for (let gy = 0; gy < G; gy++)
        for (let gx = 0; gx < G; gx++)
          for (let i = 0; i < p; i++)
            for (let j = 0; j < p; j++)
              for (let c = 0; c < Cout; c++)
                out[((b * Cout + c) * S + gy * p + i) * S + gx * p + j] = outTokens[(b * T + gy * G + gx) * p * p * Cout + (i * p + j) * Cout + c];
    return out;
  }
}

/** CFG on all channels: eps = uncond + cfg (cond - uncond), v = cond. Inputs [Cout, S, S] each. */
export function cfgRef(cond: Float32Array, uncond: Float32Array, cfg: number, inChannels: number): Float32Array {
  const out = cond.slice();
  const eps = (cond.length / (2 * inChannels)) * inChannels;
  for (let i = 0; i < eps; i++) out[i] = fr(uncond[i] + fr(cfg * fr(cond[i] - uncond[i])));
  return out;
}

export function ddpmStepRef(out: Float32Array, xt: Float32Array, c: StepCoefficients, noise: Float32Array | undefined): Float32Array {
  const n = xt.length;
  const next = new Float32Array(n);
  for (let e = 0; e < n; e++) {
    const eps = out[e];
    const frac = fr(fr(out[n + e] + 1) / 2);
    const logVar = fr(fr(frac * c.maxLog) + fr(fr(1 - frac) * c.minLog));
    const x0 = fr(fr(c.sqrtRecipAcp * xt[e]) - fr(c.sqrtRecipM1Acp * eps));
    const mean = fr(fr(c.coef1 * x0) + fr(c.coef2 * xt[e]));
    next[e] = noise ? fr(mean + fr(fr(Math.exp(fr(0.5 * logVar))) * noise[e])) : mean;
  }
  return next;
}

export function ddimStepRef(out: Float32Array, xt: Float32Array, c: StepCoefficients): Float32Array {
  const n = xt.length;
  const next = new Float32Array(n);
  for (let e = 0; e < n; e++) {
    const x0 = fr(fr(c.sqrtRecipAcp * xt[e]) - fr(c.sqrtRecipM1Acp * out[e]));
    const eps = fr(fr(fr(c.sqrtRecipAcp * xt[e]) - x0) / c.sqrtRecipM1Acp);
    next[e] = fr(fr(x0 * c.sqrtAcpPrev) + fr(c.sqrtOneMinusAcpPrev * eps));
  }
  return next;
}
