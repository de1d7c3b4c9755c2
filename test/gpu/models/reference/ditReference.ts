/**
 * CPU reference of the DiT forward and its DDPM / DDIM updates (docs/bundle-format.md, family `dit`), from the
 * op references in src/ops and refLinears.ts; every op's result rounded to f32.
 */
import { timestepEmbeddingRef } from '../../../../src/ops/embedding';
import { patchifyRef, unpatchifyRef } from '../../../../src/ops/patchify';
import { ditCfgRef } from '../../../../src/ops/sampling';
import { layerNormModulateRef } from '../../../../src/ops/layerNorm';
import { geluTanhRef, residualAddRef, siluRef } from '../../../../src/ops/elementwise';
import { attentionRef, tokenMajorQkvLayouts } from '../../../../src/ops/attention';
import type { TensorReader } from '../tensors';
import { ditTokens, type DitConfig } from '../../../../src/models/dit/ditConfig';
import type { LinearFn } from './refLinears';

const f32 = (a: ArrayLike<number>) => Float32Array.from(a);

export class DitReference {
  private readonly t: (name: string) => Float32Array;

  constructor(
    readonly config: DitConfig,
    file: TensorReader,
    private readonly linear: LinearFn,
  ) {
    this.t = (name) => file.f32Cached(name);
  }

  /** x [B, Cin, S, S], timesteps and labels [B] -> [B, outChannels, S, S]. */
  forward(x: Float32Array, timesteps: readonly number[], labels: readonly number[]): Float32Array {
    const {
      width: D,
      patch: p,
      inputSize: S,
      inChannels: Cin,
      outChannels: Cout,
      heads: H,
      headDim: d,
      depth,
      lnEps,
      freqDim,
    } = this.config;
    const B = labels.length;
    const T = ditTokens(this.config);
    const patches = f32(patchifyRef(x, B, Cin, S, S, p));
    const tokens = this.linear('x_embedder.proj', patches, B * T);
    const pos = this.t('pos_embed');
    for (let r = 0; r < B * T; r++) for (let c = 0; c < D; c++) tokens[r * D + c] += pos[(r % T) * D + c];
    const temb = f32(timestepEmbeddingRef(timesteps, freqDim));
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
      const mod = (shift: number, scale: number) => ({
        values: ada,
        shift: { stride: 6 * D, offset: shift * D },
        scale: { stride: 6 * D, offset: scale * D },
        tokensPerSample: T,
      });
      const h1 = f32(layerNormModulateRef(tokens, rows, D, lnEps, mod(0, 1)));
      const qkv = this.linear(`${pre}.attn.qkv`, h1, rows);
      const attn = attentionRef(qkv, qkvLayouts.q, qkv, qkvLayouts.k, qkv, qkvLayouts.v, {
        batch: B,
        heads: H,
        headDim: d,
        queries: T,
        keys: T,
        scale: 1 / Math.sqrt(d),
      });
      const proj = this.linear(`${pre}.attn.proj`, f32(attn), rows);
      tokens.set(
        residualAddRef(tokens, proj, rows, D, {
          values: ada,
          layout: { stride: 6 * D, offset: 2 * D },
          tokensPerSample: T,
        }),
      );
      const h2 = f32(layerNormModulateRef(tokens, rows, D, lnEps, mod(3, 4)));
      const hidden = this.linear(`${pre}.mlp.fc1`, h2, rows);
      const mlp = this.linear(`${pre}.mlp.fc2`, f32(Array.from(hidden, geluTanhRef)), rows);
      tokens.set(
        residualAddRef(tokens, mlp, rows, D, {
          values: ada,
          layout: { stride: 6 * D, offset: 5 * D },
          tokensPerSample: T,
        }),
      );
    }
    const fada = this.linear('final_layer.adaLN_modulation.1', cs, B);
    const h = f32(
      layerNormModulateRef(tokens, rows, D, lnEps, {
        values: fada,
        shift: { stride: 2 * D, offset: 0 },
        scale: { stride: 2 * D, offset: D },
        tokensPerSample: T,
      }),
    );
    return f32(unpatchifyRef(this.linear('final_layer.linear', h, rows), B, Cout, S, S, p));
  }
}

/** CFG on all channels (src/ops ditCfgRef on eps), v from the cond row. Inputs [Cout, S, S] each. */
export function cfgRef(cond: Float32Array, uncond: Float32Array, cfg: number, inChannels: number): Float32Array {
  const out = cond.slice();
  const eps = (cond.length / (2 * inChannels)) * inChannels;
  out.set(ditCfgRef(cond.subarray(0, eps), uncond.subarray(0, eps), cfg));
  return out;
}
