/**
 * GatherRowsKernel: embedding lookup out[i, :] = table[indices[i], :] (shaders/ops/gather_rows.wgsl; reference
 * gatherRowsRef in src/ops/embedding.ts). VAR's class_emb and DiT's y_embedder table (the last row is the
 * null class for CFG), e.g. indices [label, label, null, null] for a CFG batch. Indices >= rows are clamped.
 */
import gatherRowsWgsl from '../../../shaders/ops/gather_rows.wgsl?raw';
import { OpKernel, requireNoAliasing, type BufferSlice } from './opKernel';

const OWNER = 'GatherRowsKernel';

export interface GatherRowsArgs {
  /** u32 [count]. */
  readonly indices: BufferSlice;
  /** f32 [tableRows, channels]. */
  readonly table: BufferSlice;
  /** f32 [count, channels]. */
  readonly out: BufferSlice;
  readonly count: number;
  readonly tableRows: number;
  readonly channels: number;
}

export class GatherRowsKernel extends OpKernel<GatherRowsArgs> {
  constructor(device: GPUDevice) {
    super(device, OWNER, gatherRowsWgsl, { 0: 'uniform', 1: 'read', 2: 'read', 3: 'write' });
  }

  encode(encoder: GPUCommandEncoder, args: GatherRowsArgs): void {
    this.requireLive();
    const { count, tableRows, channels } = args;
    for (const [name, value] of Object.entries({ count, tableRows, channels })) this.requirePositive(name, value);
    const indices = this.storage('indices', args.indices, count, `u32 indices [${count}]`);
    const table = this.storage('table', args.table, tableRows * channels, `f32 table [${tableRows}, ${channels}]`);
    const out = this.storage('out', args.out, count * channels, `f32 out [${count}, ${channels}]`);
    requireNoAliasing(OWNER, { out }, { indices, table });
    this.dispatch(
      encoder,
      'main',
      {},
      [count * channels, channels, tableRows],
      { 1: indices, 2: table, 3: out },
      this.elementwiseGrid(count * channels),
    );
  }
}
