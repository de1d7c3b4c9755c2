/**
 * VAR architecture facts from a bundle's config (docs/bundle-format.md, family `var`) and the list of its
 * Linear layers. Token order: scale by scale, each scale row-major.
 */
import type { LinearSpec } from '../runtime/layers';
import type { VarConfig } from '../bundle/types.ts';

export type { VarConfig, VqvaeConfig } from '../bundle/types.ts';

export function varLinearSpecs(c: VarConfig): LinearSpec[] {
  const C = c.width;
  const hidden = c.mlpRatio * C;
  const specs: LinearSpec[] = [{ name: 'word_embed', kind: 'embed', rows: C, cols: c.cvae, bias: 'tensor' }];
  for (let b = 0; b < c.depth; b++) {
    const p = `blocks.${b}`;
    specs.push(
      // q_bias / v_bias are added by VarQkvPrepareKernel (k has no bias), so the matmul itself has none.
      { name: `${p}.attn.mat_qkv`, kind: 'qkv', rows: 3 * C, cols: C, bias: 'none' },
      { name: `${p}.attn.proj`, kind: 'proj', rows: C, cols: C, bias: 'tensor' },
      { name: `${p}.ffn.fc1`, kind: 'fc1', rows: hidden, cols: C, bias: 'tensor' },
      { name: `${p}.ffn.fc2`, kind: 'fc2', rows: C, cols: hidden, bias: 'tensor' },
      { name: `${p}.ada_lin.1`, kind: 'adaLN', rows: 6 * C, cols: C, bias: 'tensor' },
    );
  }
  specs.push(
    { name: 'head_nm.ada_lin.1', kind: 'head', rows: 2 * C, cols: C, bias: 'tensor' },
    { name: 'head', kind: 'head', rows: c.vocabSize, cols: C, bias: 'tensor' },
  );
  return specs;
}

/** Scale index of every token position, e.g. [1, 2] -> [0, 1, 1, 1, 1]. */
export function scaleOfToken(patchNums: readonly number[]): Uint32Array {
  const out: number[] = [];
  patchNums.forEach((pn, k) => {
    for (let i = 0; i < pn * pn; i++) out.push(k);
  });
  return Uint32Array.from(out);
}

/** First token position of each scale. */
export function scaleStarts(patchNums: readonly number[]): number[] {
  const starts: number[] = [];
  let at = 0;
  for (const pn of patchNums) {
    starts.push(at);
    at += pn * pn;
  }
  return starts;
}

/**
 * How VAR's KV cache stores keys and values: f16 packed two per u32 (the default: half the bytes; for d16 at
 * batch 1, 89 MB instead of 178 MB), f32 (what the Python reference keeps; parity replays goldens with it), or
 * q8: int8 codes four per u32 plus one f32 absmax per (token, head) row (47 MB for d16; AttentionKernel's 'q8').
 */
export type VarKvFormat = 'f16' | 'f32' | 'q8';
export const DEFAULT_KV_FORMAT: VarKvFormat = 'f16';

/** 4-byte words of one K (or V) cache of `samples` x L tokens in `kvFormat` (C = heads x headDim). */
export function varKvCacheWords(c: VarConfig, samples: number, kvFormat: VarKvFormat): number {
  const elements = samples * c.numTokens * c.width;
  if (kvFormat === 'q8') return Math.ceil(elements / 4) + elements / c.headDim;
  return kvFormat === 'f16' ? Math.ceil(elements / 2) : elements;
}

/**
 * Scratch sizes (4-byte words) of VarModel's forward over `rows` token rows of `samples` samples, KV cache
 * included (k{b} / v{b}, in `kvFormat`). VarModel allocates these and the memory planner (runtime/memoryPlan.ts)
 * counts them: one list.
 *
 * Buffers whose lifetimes within a block do not overlap share one (encodeTransformer's order):
 *   h:      LN output -> mat_qkv / fc1 input; then q (VarQkvPrepare writes q after mat_qkv has read h);
 *   mlp:    qkv (mat_qkv -> VarQkvPrepare), then the attention output (-> proj), then the MLP hidden (fc1 -> fc2);
 *   logits: the head's output; before the head, the Linears' scratch (fake-quantised / rotated inputs, m x K,
 *           K <= mlpRatio x C); the head itself uses mlp as its scratch.
 * (d16 at batch 1: 29 MB of activations instead of 59 MB with a buffer per role.)
 */
export function varWorkspaceNeeds(
  c: VarConfig,
  samples: number,
  rows: number,
  kvFormat: VarKvFormat = DEFAULT_KV_FORMAT,
): Record<string, number> {
  const { width: C, mlpRatio, vocabSize: V, depth } = c;
  const needs: Record<string, number> = {
    cond: samples * C,
    condSilu: samples * C,
    adaHead: samples * 2 * C,
    x: rows * C,
    h: rows * C,
    mlp: rows * Math.max(3, mlpRatio) * C,
    out: rows * C,
    logits: rows * Math.max(V, mlpRatio * C, c.cvae),
  };
  for (let b = 0; b < depth; b++) {
    needs[`ada${b}`] = samples * 6 * C;
    needs[`k${b}`] = varKvCacheWords(c, samples, kvFormat);
    needs[`v${b}`] = varKvCacheWords(c, samples, kvFormat);
  }
  return needs;
}

/**
 * VarSampler's whole workspace for `batch` images (cond + uncond rows) except the tokenizer's: the forward's
 * (varWorkspaceNeeds) plus the sampler's own. Reused: the CFG-mixed logits live in `mlp` (free after the head;
 * grown to B x maxT x V if needed), the next scale's embedding in `out` (free between forwards), and one scale's
 * uniforms are uploaded before each scale (not all scales' at once). `alignment`: minStorageBufferOffsetAlignment.
 */
export function varSamplerNeeds(
  c: VarConfig,
  batch: number,
  kvFormat: VarKvFormat,
  alignment: number,
): Record<string, number> {
  const S = 2 * batch;
  const maxT = Math.max(...c.patchNums.map((p) => p * p));
  const needs = varWorkspaceNeeds(c, S, S * maxT, kvFormat);
  const alignWords = alignment / 4;
  let tokens = 0;
  for (const pn of c.patchNums) tokens += Math.ceil((batch * pn * pn) / alignWords) * alignWords;
  needs.mlp = Math.max(needs.mlp, batch * maxT * c.vocabSize);
  needs.out = Math.max(needs.out, batch * maxT * c.width);
  return { ...needs, uniforms: batch * maxT * c.vocabSize, tokens, nextMap: batch * maxT * c.cvae };
}
