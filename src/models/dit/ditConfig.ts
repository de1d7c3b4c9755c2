/** DiT architecture facts from a bundle's config (docs/bundle-format.md, family `dit`) and its Linear layers. */
import type { LinearSpec } from '../runtime/layers';
import type { DitConfig } from '../bundle/types.ts';

export type { DitConfig } from '../bundle/types.ts';

/** Tokens per image: (inputSize / patch)^2. */
export function ditTokens(c: DitConfig): number {
  return (c.inputSize / c.patch) ** 2;
}

export function ditLinearSpecs(c: DitConfig): LinearSpec[] {
  const D = c.width;
  const hidden = c.mlpRatio * D;
  const specs: LinearSpec[] = [
    // The patch conv (kernel = stride = p) is a Linear over patches flattened as (channel, row, col).
    { name: 'x_embedder.proj', kind: 'embed', rows: D, cols: c.inChannels * c.patch * c.patch, bias: 'tensor' },
    { name: 't_embedder.mlp.0', kind: 'embed', rows: D, cols: c.freqDim, bias: 'tensor' },
    { name: 't_embedder.mlp.2', kind: 'embed', rows: D, cols: D, bias: 'tensor' },
  ];
  for (let b = 0; b < c.depth; b++) {
    const p = `blocks.${b}`;
    specs.push(
      { name: `${p}.attn.qkv`, kind: 'qkv', rows: 3 * D, cols: D, bias: 'tensor' },
      { name: `${p}.attn.proj`, kind: 'proj', rows: D, cols: D, bias: 'tensor' },
      { name: `${p}.mlp.fc1`, kind: 'fc1', rows: hidden, cols: D, bias: 'tensor' },
      { name: `${p}.mlp.fc2`, kind: 'fc2', rows: D, cols: hidden, bias: 'tensor' },
      { name: `${p}.adaLN_modulation.1`, kind: 'adaLN', rows: 6 * D, cols: D, bias: 'tensor' },
    );
  }
  specs.push(
    { name: 'final_layer.adaLN_modulation.1', kind: 'head', rows: 2 * D, cols: D, bias: 'tensor' },
    { name: 'final_layer.linear', kind: 'head', rows: c.patch * c.patch * c.outChannels, cols: D, bias: 'tensor' },
  );
  return specs;
}

/**
 * Scratch sizes (f32 elements) of DitModel's forward over `samples` latents. DitModel allocates these and the
 * memory planner (runtime/memoryPlan.ts) counts them: one list.
 */
export function ditWorkspaceNeeds(c: DitConfig, samples: number): Record<string, number> {
  const { width: D, mlpRatio, freqDim, patch: p, outChannels } = c;
  const rows = samples * ditTokens(c);
  return {
    patches: samples * c.inChannels * c.inputSize ** 2,
    yRows: samples * D,
    temb: samples * freqDim,
    tHidden: samples * D,
    c: samples * D,
    cSilu: samples * D,
    ada: samples * 6 * D,
    x: rows * D,
    h: rows * D,
    qkv: rows * 3 * D,
    attn: rows * D,
    out: rows * D,
    hidden: rows * mlpRatio * D,
    scratch: rows * Math.max(mlpRatio * D, freqDim),
    final: rows * p * p * outChannels,
  };
}
