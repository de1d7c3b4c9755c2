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
 * batch 1, 89 MB instead of 178 MB) or f32 (what the Python reference keeps; parity replays goldens with it).
 */
export type VarKvFormat = 'f16' | 'f32';
export const DEFAULT_KV_FORMAT: VarKvFormat = 'f16';

/**
 * Scratch sizes (4-byte words) of VarModel's forward over `rows` token rows of `samples` samples, KV cache
 * included (k{b} / v{b}, in `kvFormat`). VarModel allocates these and the memory planner (runtime/memoryPlan.ts)
 * counts them: one list.
 */
export function varWorkspaceNeeds(
  c: VarConfig,
  samples: number,
  rows: number,
  kvFormat: VarKvFormat = DEFAULT_KV_FORMAT,
): Record<string, number> {
  const { width: C, mlpRatio, vocabSize: V, depth, numTokens: L } = c;
  const needs: Record<string, number> = {
    cond: samples * C,
    condSilu: samples * C,
    adaHead: samples * 2 * C,
    x: rows * C,
    h: rows * C,
    qkv: rows * 3 * C,
    q: rows * C,
    attn: rows * C,
    out: rows * C,
    hidden: rows * mlpRatio * C,
    scratch: rows * mlpRatio * C,
    logits: rows * V,
  };
  for (let b = 0; b < depth; b++) {
    needs[`ada${b}`] = samples * 6 * C;
    // An f16 cache packs two values per word (C is even: heads x a multiple of 4).
    const cacheWords = kvFormat === 'f16' ? Math.ceil((samples * L * C) / 2) : samples * L * C;
    needs[`k${b}`] = cacheWords;
    needs[`v${b}`] = cacheWords;
  }
  return needs;
}
