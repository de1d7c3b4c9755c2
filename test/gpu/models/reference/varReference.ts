/**
 * CPU reference of the VAR forward (docs/bundle-format.md, family `var`), built from the op references in
 * src/ops and the Linear function of refLinears.ts (full precision or fake-quantised). Every op's result is
 * rounded to f32, as the GPU stores it. Used to check the semantics against the PyTorch goldens and as the
 * reference of the quantised GPU forward.
 */
import { layerNormModulateRef } from '../../../../src/ops/layerNorm';
import { geluTanhRef, residualAddRef, siluRef } from '../../../../src/ops/elementwise';
import { attentionRef, headMajorLayout, varQkvPrepareRef } from '../../../../src/ops/attention';
import type { TensorReader } from '../tensors';
import { scaleOfToken, scaleStarts, type VarConfig } from '../../../../src/models/var/varConfig';
import type { LinearFn } from './refLinears';
import type { TokenizerReference } from './tokenizerReference';
import { sampleTokensRef, varCfgRef } from '../../../../src/ops/sampling';

const f32 = (a: ArrayLike<number>) => Float32Array.from(a);

export interface VarRefStep {
  readonly logitsCond: Float32Array;
  readonly logitsUncond: Float32Array;
  readonly logitsCfg: Float32Array;
  readonly tokens: Int32Array;
  readonly fHat: Float32Array;
}

export class VarReference {
  private readonly t: (name: string) => Float32Array;

  constructor(
    readonly config: VarConfig,
    file: TensorReader,
    private readonly linear: LinearFn,
  ) {
    this.t = (name) => file.f32Cached(name);
  }

  /** class_emb rows [B, C]. */
  cond(labels: readonly number[]): Float32Array {
    const C = this.config.width;
    const table = this.t('class_emb.weight');
    const out = new Float32Array(labels.length * C);
    labels.forEach((y, b) => out.set(table.subarray(y * C, (y + 1) * C), b * C));
    return out;
  }

  /** Per block ada_lin.1(silu(cond)) [B, 6C], and the head's [B, 2C]. */
  adaptive(cond: Float32Array, batch: number): { blocks: Float32Array[]; head: Float32Array } {
    const s = f32(Array.from(cond, siluRef));
    const blocks = [];
    for (let b = 0; b < this.config.depth; b++) blocks.push(this.linear(`blocks.${b}.ada_lin.1`, s, batch));
    return { blocks, head: this.linear('head_nm.ada_lin.1', s, batch) };
  }

  /** One block on x [B*T, C] in place. kv: caches [B, H, capacity, d] appended at `position`, or the TF mask. */
  block(
    index: number,
    x: Float32Array,
    batch: number,
    tokens: number,
    ada: Float32Array,
    kv: { k: Float64Array; v: Float64Array; capacity: number; position: number },
    mask?: Uint32Array,
  ): void {
    const { width: C, heads: H, headDim: d, lnEps } = this.config;
    const rows = batch * tokens;
    const p = `blocks.${index}`;
    const mod = (scale: number, shift: number) => ({
      values: ada,
      scale: { stride: 6 * C, offset: scale * C },
      shift: { stride: 6 * C, offset: shift * C },
      tokensPerSample: tokens,
    });
    const h1 = f32(layerNormModulateRef(x, rows, C, lnEps, mod(2, 4)));
    const qkv = this.linear(`${p}.attn.mat_qkv`, h1, rows);
    const { q, k, v } = varQkvPrepareRef(
      qkv,
      batch,
      tokens,
      H,
      d,
      this.t(`${p}.attn.q_bias`),
      this.t(`${p}.attn.v_bias`),
      this.t(`${p}.attn.scale_mul_1H11`),
    );
    const cacheLayout = headMajorLayout(H, kv.capacity, d);
    const fresh = headMajorLayout(H, tokens, d);
    for (let b = 0; b < batch; b++)
      for (let h = 0; h < H; h++)
        for (let t = 0; t < tokens; t++)
          for (let e = 0; e < d; e++) {
            const src = fresh.offset + b * fresh.batchStride + h * fresh.headStride + t * fresh.tokenStride + e;
            const dst =
              b * cacheLayout.batchStride +
              h * cacheLayout.headStride +
              (kv.position + t) * cacheLayout.tokenStride +
              e;
            kv.k[dst] = Math.fround(k[src]);
            kv.v[dst] = Math.fround(v[src]);
          }
    const attn = attentionRef(f32(q), fresh, kv.k, cacheLayout, kv.v, cacheLayout, {
      batch,
      heads: H,
      headDim: d,
      queries: tokens,
      keys: kv.position + tokens,
      scale: 1,
      mask: mask ? { levels: mask, firstQueryPosition: kv.position } : undefined,
    });
    const proj = this.linear(`${p}.attn.proj`, f32(attn), rows);
    x.set(
      residualAddRef(x, proj, rows, C, { values: ada, layout: { stride: 6 * C, offset: 0 }, tokensPerSample: tokens }),
    );
    const h2 = f32(layerNormModulateRef(x, rows, C, lnEps, mod(3, 5)));
    const hidden = this.linear(`${p}.ffn.fc1`, h2, rows);
    const ffn = this.linear(`${p}.ffn.fc2`, f32(Array.from(hidden, geluTanhRef)), rows);
    x.set(
      residualAddRef(x, ffn, rows, C, { values: ada, layout: { stride: 6 * C, offset: C }, tokensPerSample: tokens }),
    );
  }

  logits(x: Float32Array, batch: number, tokens: number, headAda: Float32Array): Float32Array {
    const C = this.config.width;
    const h = f32(
      layerNormModulateRef(x, batch * tokens, C, this.config.lnEps, {
        values: headAda,
        scale: { stride: 2 * C, offset: 0 },
        shift: { stride: 2 * C, offset: C },
        tokensPerSample: tokens,
      }),
    );
    return this.linear('head', h, batch * tokens);
  }

  /** Position/level embedding added to token i: lvl_embed[scale(i)] + pos_1LC[i]. */
  private addLevelPosition(x: Float32Array, batch: number, first: number, count: number): void {
    const C = this.config.width;
    const levels = scaleOfToken(this.config.patchNums);
    const lvl = this.t('lvl_embed.weight');
    const pos = this.t('pos_1LC');
    for (let b = 0; b < batch; b++)
      for (let i = 0; i < count; i++)
        for (let c = 0; c < C; c++) {
          const at = (b * count + i) * C + c;
          x[at] = x[at] + lvl[levels[first + i] * C + c] + pos[(first + i) * C + c];
        }
  }

  /** First-scale input per row: cond + pos_start + lvl_embed[0] + pos_1LC[0]. */
  startInput(cond: Float32Array, batch: number): Float32Array {
    const C = this.config.width;
    const start = this.t('pos_start');
    const x = new Float32Array(batch * C);
    for (let b = 0; b < batch; b++) for (let c = 0; c < C; c++) x[b * C + c] = cond[b * C + c] + start[c];
    this.addLevelPosition(x, batch, 0, 1);
    return x;
  }

  /** Teacher-forced logits [L, V] for one label and the [L-1, Cvae] input map. */
  teacherForced(label: number, input: Float32Array): Float32Array {
    const { width: C, numTokens: L, cvae, heads: H, headDim: d, depth } = this.config;
    const cond = this.cond([label]);
    const ada = this.adaptive(cond, 1);
    const x = new Float32Array(L * C);
    const start = this.t('pos_start');
    for (let c = 0; c < C; c++) x[c] = cond[c] + start[c];
    x.set(this.linear('word_embed', input, L - 1).subarray(0, (L - 1) * C), C);
    void cvae;
    this.addLevelPosition(x, 1, 0, L);
    const levels = scaleOfToken(this.config.patchNums);
    for (let b = 0; b < depth; b++) {
      const kv = { k: new Float64Array(H * L * d), v: new Float64Array(H * L * d), capacity: L, position: 0 };
      this.block(b, x, 1, L, ada.blocks[b], kv, levels);
    }
    return this.logits(x, 1, L, ada.head);
  }

  /** The sampler of docs/bundle-format.md for one label, replaying `uniforms[k]`; tokenizer steps on the CPU. */
  sample(
    label: number,
    cfg: number,
    topK: number,
    topP: number,
    uniforms: readonly Float32Array[],
    tokenizer: TokenizerReference,
    onStep?: (k: number, input: Float32Array) => void,
  ): VarRefStep[] {
    const { width: C, numTokens: L, heads: H, headDim: d, depth, patchNums, vocabSize: V, numClasses } = this.config;
    const K = patchNums.length;
    const cond = this.cond([label, numClasses]);
    const ada = this.adaptive(cond, 2);
    const caches = Array.from({ length: depth }, () => ({
      k: new Float64Array(2 * H * L * d),
      v: new Float64Array(2 * H * L * d),
      capacity: L,
      position: 0,
    }));
    const starts = scaleStarts(patchNums);
    const H2 = tokenizer.config.latentSize;
    const fHat = new Float32Array(tokenizer.config.cvae * H2 * H2);
    let input = this.startInput(cond, 2);
    const steps: VarRefStep[] = [];
    for (let k = 0; k < K; k++) {
      const T = patchNums[k] ** 2;
      onStep?.(k, input);
      const x = input.slice();
      for (let b = 0; b < depth; b++) {
        caches[b].position = starts[k];
        this.block(b, x, 2, T, ada.blocks[b], caches[b]);
      }
      const logits = this.logits(x, 2, T, ada.head);
      const cfgLogits = varCfgRef(logits.subarray(0, T * V), logits.subarray(T * V), (cfg * k) / (K - 1));
      const tokens = Int32Array.from(sampleTokensRef(cfgLogits, uniforms[k], T, V, topK, topP));
      const next = tokenizer.step(k, tokens, fHat);
      steps.push({
        logitsCond: logits.slice(0, T * V),
        logitsUncond: logits.slice(T * V),
        logitsCfg: cfgLogits,
        tokens,
        fHat: fHat.slice(),
      });
      if (next) {
        const T2 = patchNums[k + 1] ** 2;
        const emb = this.linear('word_embed', next, T2);
        input = new Float32Array(2 * T2 * C);
        input.set(emb, 0);
        input.set(emb, T2 * C);
        this.addLevelPosition(input, 2, starts[k + 1], T2);
      }
    }
    return steps;
  }
}
