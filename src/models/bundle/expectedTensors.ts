/**
 * The weight list each family's forward needs, with the shapes its config implies (docs/bundle-format.md).
 * The validator compares the shipped tensors against this, so a bundle whose weights do not fit its config
 * is rejected at load time rather than producing garbage (or a GPU validation error) mid-generation.
 */
import type { DitConfig, Dtype, TensorKind, VarConfig, VqvaeConfig } from './types.ts';

export interface ExpectedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly kind: TensorKind;
}

export interface ExpectedWeights {
  readonly dtype: Dtype;
  readonly tensors: readonly ExpectedTensor[];
  /** Names counted in `params.total` and `params.linear` (where the family defines them from the weights). */
  readonly countsTotal: (name: string) => boolean;
}

const linear = (prefix: string, out: number, inp: number, bias = true): ExpectedTensor[] => [
  { name: `${prefix}.weight`, shape: [out, inp], kind: 'linear-weight' },
  ...(bias ? [{ name: `${prefix}.bias`, shape: [out], kind: 'linear-bias' as const }] : []),
];

export function expectedVarTensors(c: VarConfig): ExpectedWeights {
  const C = c.width;
  const hidden = Math.round(c.mlpRatio * C);
  const t: ExpectedTensor[] = [
    { name: 'pos_start', shape: [1, c.firstL, C], kind: 'param' },
    { name: 'pos_1LC', shape: [1, c.numTokens, C], kind: 'param' },
    ...linear('word_embed', C, c.cvae),
    { name: 'class_emb.weight', shape: [c.numClasses + 1, C], kind: 'embedding' },
    { name: 'lvl_embed.weight', shape: [c.patchNums.length, C], kind: 'embedding' },
  ];
  for (let n = 0; n < c.depth; n++) {
    const b = `blocks.${n}`;
    t.push(
      ...linear(`${b}.attn.mat_qkv`, 3 * C, C, false),
      { name: `${b}.attn.q_bias`, shape: [C], kind: 'param' },
      { name: `${b}.attn.v_bias`, shape: [C], kind: 'param' },
      { name: `${b}.attn.scale_mul_1H11`, shape: [1, c.heads, 1, 1], kind: 'param' },
      ...linear(`${b}.attn.proj`, C, C),
      ...linear(`${b}.ffn.fc1`, hidden, C),
      ...linear(`${b}.ffn.fc2`, C, hidden),
      ...linear(`${b}.ada_lin.1`, 6 * C, C),
    );
  }
  t.push(...linear('head_nm.ada_lin.1', 2 * C, C), ...linear('head', c.vocabSize, C));
  return { dtype: 'F16', tensors: t, countsTotal: () => true };
}

export function expectedDitTensors(c: DitConfig): ExpectedWeights {
  const D = c.width;
  const hidden = Math.round(c.mlpRatio * D);
  const tokens = (c.inputSize / c.patch) ** 2;
  const t: ExpectedTensor[] = [
    { name: 'x_embedder.proj.weight', shape: [D, c.inChannels, c.patch, c.patch], kind: 'conv-weight' },
    { name: 'x_embedder.proj.bias', shape: [D], kind: 'conv-bias' },
    { name: 'pos_embed', shape: [1, tokens, D], kind: 'param' },
    ...linear('t_embedder.mlp.0', D, c.freqDim),
    ...linear('t_embedder.mlp.2', D, D),
    { name: 'y_embedder.embedding_table.weight', shape: [c.numClasses + 1, D], kind: 'embedding' },
  ];
  for (let n = 0; n < c.depth; n++) {
    const b = `blocks.${n}`;
    t.push(
      ...linear(`${b}.attn.qkv`, 3 * D, D),
      ...linear(`${b}.attn.proj`, D, D),
      ...linear(`${b}.mlp.fc1`, hidden, D),
      ...linear(`${b}.mlp.fc2`, D, hidden),
      ...linear(`${b}.adaLN_modulation.1`, 6 * D, D),
    );
  }
  t.push(
    ...linear('final_layer.adaLN_modulation.1', 2 * D, D),
    ...linear('final_layer.linear', c.patch * c.patch * c.outChannels, D),
  );
  // pos_embed is fixed (sin-cos), not trained: the format excludes it from params.total.
  return { dtype: 'F16', tensors: t, countsTotal: (name) => name !== 'pos_embed' };
}

export function expectedVqvaeTensors(c: VqvaeConfig): ExpectedWeights {
  const t: ExpectedTensor[] = [{ name: 'quantize.embedding.weight', shape: [c.vocabSize, c.cvae], kind: 'embedding' }];
  for (let i = 0; i < c.phiCount; i++) {
    const p = `quantize.quant_resi.qresi_ls.${i}`;
    t.push(
      { name: `${p}.weight`, shape: [c.cvae, c.cvae, 3, 3], kind: 'conv-weight' },
      { name: `${p}.bias`, shape: [c.cvae], kind: 'conv-bias' },
    );
  }
  // The tokenizer's params.total also counts its encoder/decoder, which ship as ONNX: not derivable here.
  return { dtype: 'F32', tensors: t, countsTotal: () => false };
}
