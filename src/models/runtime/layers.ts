/**
 * Which Linear layers a QuantSetting quantises. Every matmul of a model is described by a LinearSpec; its
 * `kind` is the setting's layer letter (src/quant/setting.ts). The assignment, for both families:
 *   qkv, proj, fc1, fc2, adaLN  the Linears inside the transformer blocks (the default 'qp12a');
 *   embed                        input-side Linears: VAR word_embed; DiT x_embedder.proj (the patch conv as a
 *                                Linear over flattened patches) and t_embedder.mlp.0/.2;
 *   head                         the final layer: VAR head_nm.ada_lin.1 and head; DiT final_layer.adaLN_modulation.1
 *                                and final_layer.linear.
 * Lookup tables (class_emb, lvl_embed, y_embedder), position embeddings and the tokenizer stay f32: they are
 * gathers, not matmuls, and the paper's scaling-law counts only Linear weights.
 */
import type { LayerKind, QuantSetting } from '../../quant/setting';

export interface LinearSpec {
  /** Module path without '.weight', e.g. 'blocks.0.attn.mat_qkv'. */
  readonly name: string;
  readonly kind: LayerKind;
  /** Output features N. */
  readonly rows: number;
  /** Input features K. */
  readonly cols: number;
  /** 'tensor': `${name}.bias` from the bundle; 'none': no bias in the matmul. */
  readonly bias: 'tensor' | 'none';
}

/** True when the setting quantises this layer's weight (its activations follow `activationQuantized`). */
export function weightQuantized(setting: QuantSetting, kind: LayerKind): boolean {
  return setting.weight !== null && setting.layers.includes(kind);
}

export function activationQuantized(setting: QuantSetting, kind: LayerKind): boolean {
  return setting.activation.format.kind !== 'none' && setting.layers.includes(kind);
}
