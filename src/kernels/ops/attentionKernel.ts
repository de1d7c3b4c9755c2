/**
 * AttentionKernel: multi-head attention for VAR (KV cache or block-causal mask) and DiT (plain)
 * (shaders/ops/attention.wgsl; reference attentionRef in src/ops/attention.ts):
 *
 *   out[b, i, h*d + e] = sum_j softmax_j(scale * q[b,h,i,:] . k[b,h,j,:] + mask(i, j)) v[b,h,j,e]
 *
 * out is token-major [B, queries, H*d], ready for the output projection. q, k and v are read through
 * HeadLayouts (element offset and strides), e.g.
 *   VAR step:   q = headMajorLayout(H, tokens, d), k/v = headMajorLayout(H, capacity, d) over the cache,
 *               keys = cached + new tokens, no mask (every cached token is of an earlier scale), scale 1;
 *   VAR teacher-forced: the same with keys = L and mask { levels: scale index per token, firstQueryPosition: 0 };
 *   DiT:        tokenMajorQkvLayouts(L, H, d) over the qkv matmul output [B, L, 3C] (bias included), scale 1/sqrt(d).
 * mask: query i (absolute position firstQueryPosition + i) attends key j iff levels[j] <= levels[query]. A query
 * that may attend no key at all would divide by zero (NaN, as torch gives); VAR's mask always allows the token itself.
 * Layout offsets and strides, and the head dim, must be multiples of 4 (the kernel reads vec4s); head dim <= 128.
 * kvFormat 'f16': k and v hold f16 values packed two per u32 (pack2x16float; VAR's KV cache, half the bytes of
 * f32, read with unpack2x16float so no shader-f16 extension is needed); layouts still count elements. Reference:
 * attentionRef on K/V rounded to f16 (roundToF16, src/quant/f16.ts).
 * kvFormat 'q8': k and v hold int8 codes packed four per u32 (pack4x8snorm of value / row absmax), and each head
 * row of headDim values has one f32 scale (its absmax) at word `kvScaleOffset + rowStart / headDim` of the same
 * buffer (VAR's KV cache: a quarter of the f32 bytes plus a word per row; see VarQkvPrepareKernel). Layout offsets
 * and strides must then be multiples of headDim (row starts). Reference: attentionRef on K/V through
 * quantizeKvRowsQ8 (src/ops/kvCacheQ8.ts).
 */
import attentionWgsl from '../../../shaders/ops/attention.wgsl?raw';
import { OpKernel, requireNoAliasing, type BufferSlice } from './opKernel';
import { f32Bits } from '../uniformCache';
import { headMajorLayout, type HeadLayout } from '../../ops/attention';

const OWNER = 'AttentionKernel';

/**
 * Storage of attention keys and values: f32, f16 packed two per u32 (pack2x16float), or int8 codes packed four
 * per u32 followed by one f32 scale per head row (q8).
 */
export type KvFormat = 'f32' | 'f16' | 'q8';

/**
 * 4-byte words that `elements` K/V values (whole head rows of `headDim`) take in `format`; for q8 the codes come
 * first (q8ScaleOffset words), then one scale word per row.
 */
export function kvWords(elements: number, format: KvFormat, headDim = 4): number {
  if (format === 'q8') return q8ScaleOffset(elements) + Math.ceil(elements / headDim);
  return format === 'f16' ? Math.ceil(elements / 2) : elements;
}

/** Word index at which a q8 buffer of `elements` values stores its row scales (after the codes). */
export const q8ScaleOffset = (elements: number): number => Math.ceil(elements / 4);
/** The shaders' KV_FORMAT override per format. */
export const KV_FORMAT_CODE: Readonly<Record<KvFormat, number>> = { f32: 0, f16: 1, q8: 2 };
const QUERY_TILE = 64;
const KEY_TILE = 16;
const MAX_HEAD_DIM = 128;

export interface AttentionArgs {
  readonly q: BufferSlice;
  readonly k: BufferSlice;
  readonly v: BufferSlice;
  /** f32 [batch, queries, heads * headDim]. */
  readonly out: BufferSlice;
  readonly batch: number;
  readonly heads: number;
  readonly headDim: number;
  readonly queries: number;
  readonly keys: number;
  readonly scale: number;
  /** Default: contiguous [B, H, queries, d]. */
  readonly qLayout?: HeadLayout;
  /** Default: contiguous [B, H, keys, d]. */
  readonly kLayout?: HeadLayout;
  readonly vLayout?: HeadLayout;
  /** How k and v are stored: f32 (default), f16 packed two per u32, or q8. q and out are always f32. */
  readonly kvFormat?: KvFormat;
  /** q8 only: the word at which k's and v's row scales start (q8ScaleOffset of the cache's element count). */
  readonly kvScaleOffset?: number;
  readonly mask?: {
    /** u32 scale index per absolute token position, at least max(keys, firstQueryPosition + queries) entries. */
    readonly levels: BufferSlice;
    readonly firstQueryPosition: number;
  };
}

export class AttentionKernel extends OpKernel<AttentionArgs> {
  constructor(device: GPUDevice) {
    super(device, OWNER, attentionWgsl, { 0: 'uniform', 1: 'read', 2: 'read', 3: 'read', 4: 'read', 5: 'write' });
  }

  encode(encoder: GPUCommandEncoder, args: AttentionArgs): void {
    this.requireLive();
    const { batch, heads, headDim, queries, keys, scale, mask } = args;
    for (const [name, value] of Object.entries({ batch, heads, headDim, queries, keys }))
      this.requirePositive(name, value);
    if (headDim % 4 !== 0 || headDim > MAX_HEAD_DIM)
      this.fail(`headDim ${headDim} must be a multiple of 4 and at most ${MAX_HEAD_DIM}`);
    if (!Number.isFinite(scale)) this.fail(`scale must be finite, got ${scale}`);
    const tileBytes = 2 * KEY_TILE * headDim * 4;
    if (tileBytes > this.device.limits.maxComputeWorkgroupStorageSize) {
      this.fail(
        `headDim ${headDim} needs ${tileBytes} bytes of workgroup memory, over the device's ${this.device.limits.maxComputeWorkgroupStorageSize}; request a larger maxComputeWorkgroupStorageSize`,
      );
    }
    const qLayout = args.qLayout ?? headMajorLayout(heads, queries, headDim);
    const kLayout = args.kLayout ?? headMajorLayout(heads, keys, headDim);
    const vLayout = args.vLayout ?? headMajorLayout(heads, keys, headDim);
    const q = this.storage(
      'q',
      args.q,
      this.extent('qLayout', qLayout, batch, heads, queries, headDim),
      `q [${batch}, ${heads}, ${queries}, ${headDim}] through qLayout`,
    );
    const kvFormat = args.kvFormat ?? 'f32';
    const kvScaleOffset = args.kvScaleOffset ?? 0;
    if (kvFormat === 'q8') {
      if (args.kvScaleOffset === undefined)
        this.fail('kvFormat q8 needs kvScaleOffset (q8ScaleOffset of the cache size)');
      this.requireNonNegative('kvScaleOffset', kvScaleOffset);
      for (const [name, layout] of [
        ['kLayout', kLayout],
        ['vLayout', vLayout],
      ] as const) {
        if (Object.values(layout).some((value) => value % headDim !== 0))
          this.fail(
            `${name} must have offset and strides that are multiples of headDim ${headDim} for a q8 cache (one scale per head row)`,
          );
      }
    }
    const kvExtent = (name: string, layout: HeadLayout): number => {
      const elements = this.extent(name, layout, batch, heads, keys, headDim);
      return kvFormat === 'q8'
        ? Math.max(Math.ceil(elements / 4), kvScaleOffset + Math.ceil(elements / headDim))
        : kvWords(elements, kvFormat);
    };
    const k = this.storage(
      'k',
      args.k,
      kvExtent('kLayout', kLayout),
      `${kvFormat} k [${batch}, ${heads}, ${keys}, ${headDim}] through kLayout`,
    );
    const v = this.storage(
      'v',
      args.v,
      kvExtent('vLayout', vLayout),
      `${kvFormat} v [${batch}, ${heads}, ${keys}, ${headDim}] through vLayout`,
    );
    const out = this.storage(
      'out',
      args.out,
      batch * queries * heads * headDim,
      `f32 out [${batch}, ${queries}, ${heads * headDim}]`,
    );
    let levels = this.unused;
    let firstQueryPosition = 0;
    if (mask) {
      firstQueryPosition = mask.firstQueryPosition;
      this.requireNonNegative('mask.firstQueryPosition', firstQueryPosition);
      const positions = Math.max(keys, firstQueryPosition + queries);
      levels = this.storage('mask.levels', mask.levels, positions, `u32 levels [${positions}]`);
    }
    requireNoAliasing(OWNER, { out }, { q, k, v, levels: mask ? levels : undefined });

    const masked = mask ? 1 : 0;
    const tilesPerHead = Math.ceil(queries / QUERY_TILE);
    const vec = (l: HeadLayout) => [l.offset / 4, l.batchStride / 4, l.headStride / 4, l.tokenStride / 4];
    this.dispatch(
      encoder,
      `d${headDim}.mask${masked}.${kvFormat}`,
      { QUERY_TILE, KEY_TILE, HEAD_VECS: headDim / 4, MASK_BY_LEVEL: masked, KV_FORMAT: KV_FORMAT_CODE[kvFormat] },
      [
        batch,
        heads,
        queries,
        keys,
        ...vec(qLayout),
        ...vec(kLayout),
        ...vec(vLayout),
        firstQueryPosition,
        f32Bits(scale),
        kvScaleOffset,
      ],
      { 1: q, 2: k, 3: v, 4: levels, 5: out },
      this.grid(batch * heads * tilesPerHead),
    );
  }

  /** Elements a layout spans; checks that its numbers are non-negative multiples of 4. */
  private extent(
    name: string,
    layout: HeadLayout,
    batch: number,
    heads: number,
    tokens: number,
    headDim: number,
  ): number {
    for (const [field, value] of Object.entries(layout)) {
      if (!Number.isInteger(value) || value < 0 || value % 4 !== 0) {
        this.fail(
          `${name}.${field} is ${value}; layout offsets and strides must be non-negative multiples of 4 (the kernel reads vec4s)`,
        );
      }
    }
    return (
      layout.offset +
      (batch - 1) * layout.batchStride +
      (heads - 1) * layout.headStride +
      (tokens - 1) * layout.tokenStride +
      headDim
    );
  }
}
