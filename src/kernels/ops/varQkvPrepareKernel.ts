/**
 * VarQkvPrepareKernel: VAR's attention inputs for `tokens` new tokens (shaders/ops/var_qkv_prepare.wgsl;
 * reference varQkvPrepareRef in src/ops/attention.ts). From the mat_qkv output qkv [B, tokens, 3C] (no bias):
 *
 *   q      [B, H, tokens, d]    = normalize(q + q_bias) * exp(min(scale_mul_1H11[h], ln 100))
 *   kCache [B, H, capacity, d]  rows cachePosition .. cachePosition+tokens-1 = normalize(k)   (k bias is zero)
 *   vCache [B, H, capacity, d]  same rows                                    = v + v_bias
 *
 * normalize = L2 over the head dim with eps 1e-12 (F.normalize). Other cache rows are left untouched, so a
 * sampling loop appends each scale after the previous ones (cachePosition = tokens of earlier scales) and
 * AttentionKernel then attends over keys = cachePosition + tokens. The teacher-forced pass uses
 * cachePosition 0 and capacity = L (the "cache" is just k and v).
 *
 * kvFormat 'f16' stores the cache rows as f16 packed two per u32 (pack2x16float), half the bytes of f32; read
 * them with AttentionKernel's kvFormat 'f16'. Reference: varQkvPrepareRef with k and v rounded by roundToF16.
 * kvFormat 'q8' stores int8 codes four per u32 (pack4x8snorm of value / absmax of its head row) and, after all
 * the code words (q8ScaleOffset), one f32 absmax per (b, h, row): a quarter of the f32 bytes plus a word per
 * row. One scale per (token, head) because one invocation owns exactly that row (no reduction across
 * invocations) and V, unlike the unit-norm K, has no fixed range, so a per-row absmax adapts to each. Read with
 * AttentionKernel's kvFormat 'q8' and kvScaleOffset = q8ScaleOffset(batch * heads * capacity * headDim).
 * Reference: quantizeKvRowsQ8 (src/ops/kvCacheQ8.ts).
 */
import varQkvPrepareWgsl from '../../../shaders/ops/var_qkv_prepare.wgsl?raw';
import { OpKernel, requireNoAliasing, type BufferSlice } from './opKernel';
import { KV_FORMAT_CODE, kvWords, type KvFormat } from './attentionKernel';

const OWNER = 'VarQkvPrepareKernel';
const WORKGROUP_SIZE = 64;

export interface VarQkvPrepareArgs {
  /** f32 [batch, tokens, 3 * heads * headDim]. */
  readonly qkv: BufferSlice;
  /** f32 [heads * headDim] each. */
  readonly qBias: BufferSlice;
  readonly vBias: BufferSlice;
  /** f32 [heads]: the raw scale_mul_1H11 parameter (log scale, clamped to ln 100 here). */
  readonly scaleMulLog: BufferSlice;
  /** f32 [batch, heads, tokens, headDim]. */
  readonly q: BufferSlice;
  /** [batch, heads, capacity, headDim] each, in kvFormat. */
  readonly kCache: BufferSlice;
  readonly vCache: BufferSlice;
  /** How the caches store values: f32 (default), f16 packed two per u32, or q8 (codes, then row scales). */
  readonly kvFormat?: KvFormat;
  readonly batch: number;
  readonly tokens: number;
  readonly heads: number;
  readonly headDim: number;
  readonly capacity: number;
  /** First cache row written (tokens already cached). */
  readonly cachePosition: number;
}

export class VarQkvPrepareKernel extends OpKernel<VarQkvPrepareArgs> {
  constructor(device: GPUDevice) {
    super(device, OWNER, varQkvPrepareWgsl, {
      0: 'uniform',
      1: 'read',
      2: 'read',
      3: 'read',
      4: 'read',
      5: 'write',
      6: 'write',
      7: 'write',
    });
  }

  encode(encoder: GPUCommandEncoder, args: VarQkvPrepareArgs): void {
    this.requireLive();
    const { batch, tokens, heads, headDim, capacity, cachePosition } = args;
    for (const [name, value] of Object.entries({ batch, tokens, heads, headDim, capacity }))
      this.requirePositive(name, value);
    this.requireNonNegative('cachePosition', cachePosition);
    if (cachePosition + tokens > capacity) {
      this.fail(
        `cachePosition ${cachePosition} + tokens ${tokens} exceeds the cache capacity ${capacity}; allocate the cache for all tokens of all scales`,
      );
    }
    const C = heads * headDim;
    const qkv = this.storage('qkv', args.qkv, batch * tokens * 3 * C, `f32 qkv [${batch}, ${tokens}, ${3 * C}]`);
    const qBias = this.storage('qBias', args.qBias, C, `f32 q_bias [${C}]`);
    const vBias = this.storage('vBias', args.vBias, C, `f32 v_bias [${C}]`);
    const scaleMulLog = this.storage('scaleMulLog', args.scaleMulLog, heads, `f32 scale_mul_1H11 [${heads}]`);
    const q = this.storage('q', args.q, batch * tokens * C, `f32 q [${batch}, ${heads}, ${tokens}, ${headDim}]`);
    const kvFormat = args.kvFormat ?? 'f32';
    if (kvFormat === 'f16' && headDim % 2 !== 0) this.fail(`headDim ${headDim} must be even for an f16 KV cache`);
    if (kvFormat === 'q8' && headDim % 4 !== 0)
      this.fail(`headDim ${headDim} must be a multiple of 4 for a q8 KV cache (four codes per word)`);
    const cacheWords = kvWords(batch * heads * capacity * headDim, kvFormat, headDim);
    const kCache = this.storage(
      'kCache',
      args.kCache,
      cacheWords,
      `${kvFormat} k cache [${batch}, ${heads}, ${capacity}, ${headDim}]`,
    );
    const vCache = this.storage(
      'vCache',
      args.vCache,
      cacheWords,
      `${kvFormat} v cache [${batch}, ${heads}, ${capacity}, ${headDim}]`,
    );
    requireNoAliasing(OWNER, { q, kCache, vCache }, { qkv, qBias, vBias, scaleMulLog });

    const invocations = batch * heads * tokens;
    this.dispatch(
      encoder,
      kvFormat,
      { WORKGROUP_SIZE, KV_FORMAT: KV_FORMAT_CODE[kvFormat] },
      [batch, tokens, heads, headDim, capacity, cachePosition],
      { 1: qkv, 2: qBias, 3: vBias, 4: scaleMulLog, 5: q, 6: kCache, 7: vCache },
      this.grid(Math.ceil(invocations / WORKGROUP_SIZE)),
    );
  }
}
