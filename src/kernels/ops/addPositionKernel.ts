/**
 * AddPositionKernel: adds position-dependent rows to token activations x [batch, tokens, channels] in place
 * (shaders/ops/add_position.wgsl; reference addPositionRef in src/ops/embedding.ts):
 *
 *   x[b, l, :] = (accumulate ? x[b, l, :] : 0) + pos[posOffset + l, :] + levelTable[levels[posOffset + l], :] + perSample[b, :]
 *
 * each term optional. Tables are indexed by absolute token position, so a VAR step over scale k passes
 * posOffset = tokens of the earlier scales. Uses:
 *   VAR step k > 0:   x = word_embed(next_map); add { pos: pos_1LC, levelTable: lvl_embed, levels } (accumulate)
 *   VAR first token:  { accumulate: false, pos: pos_start, perSample: class vectors } then { pos: pos_1LC, levels... }
 *   DiT:              x = patch_embed(x); add { pos: pos_embed } (accumulate)
 */
import addPositionWgsl from '../../../shaders/ops/add_position.wgsl?raw';
import { OpKernel, requireNoAliasing, type BufferSlice, type ResolvedSlice } from './opKernel';

const OWNER = 'AddPositionKernel';

export interface AddPositionArgs {
  /** f32 [batch, tokens, channels], updated in place. */
  readonly x: BufferSlice;
  readonly batch: number;
  readonly tokens: number;
  readonly channels: number;
  /** Table row of this call's first token. Default 0. */
  readonly posOffset?: number;
  /** false: overwrite x with the sum of the terms. Default true. */
  readonly accumulate?: boolean;
  /** f32 [>= posOffset + tokens, channels]. */
  readonly pos?: BufferSlice;
  /** f32 [levelRows, channels] rows picked by levels (u32, >= posOffset + tokens entries). */
  readonly level?: { readonly table: BufferSlice; readonly levelRows: number; readonly levels: BufferSlice };
  /** f32 [batch, channels], broadcast over each sample's tokens. */
  readonly perSample?: BufferSlice;
}

export class AddPositionKernel extends OpKernel<AddPositionArgs> {
  constructor(device: GPUDevice) {
    super(device, OWNER, addPositionWgsl, { 0: 'uniform', 1: 'read', 2: 'read', 3: 'read', 4: 'read', 5: 'write' });
  }

  encode(encoder: GPUCommandEncoder, args: AddPositionArgs): void {
    this.requireLive();
    const { batch, tokens, channels: C } = args;
    for (const [name, value] of Object.entries({ batch, tokens, channels: C })) this.requirePositive(name, value);
    const posOffset = args.posOffset ?? 0;
    this.requireNonNegative('posOffset', posOffset);
    if (!args.pos && !args.level && !args.perSample) this.fail('nothing to add: pass pos, level and/or perSample');
    const positions = posOffset + tokens;
    const count = batch * tokens * C;
    const x = this.storage('x', args.x, count, `f32 x [${batch}, ${tokens}, ${C}]`);
    const pos = args.pos
      ? this.storage('pos', args.pos, positions * C, `f32 position table [${positions}, ${C}]`)
      : undefined;
    let levelTable: ResolvedSlice | undefined;
    let levels: ResolvedSlice | undefined;
    if (args.level) {
      this.requirePositive('level.levelRows', args.level.levelRows);
      levelTable = this.storage(
        'level.table',
        args.level.table,
        args.level.levelRows * C,
        `f32 level table [${args.level.levelRows}, ${C}]`,
      );
      levels = this.storage('level.levels', args.level.levels, positions, `u32 levels [${positions}]`);
    }
    const perSample = args.perSample
      ? this.storage('perSample', args.perSample, batch * C, `f32 per-sample rows [${batch}, ${C}]`)
      : undefined;
    requireNoAliasing(OWNER, { x }, { pos, levelTable, levels, perSample });

    const flags = {
      ACCUMULATE: (args.accumulate ?? true) ? 1 : 0,
      HAS_POS: pos ? 1 : 0,
      HAS_LEVELS: levelTable ? 1 : 0,
      HAS_PER_SAMPLE: perSample ? 1 : 0,
    };
    this.dispatch(
      encoder,
      Object.values(flags).join(''),
      flags,
      [count, C, tokens, posOffset, args.level?.levelRows ?? 1],
      {
        1: pos ?? this.unused,
        2: levelTable ?? this.unused,
        3: levels ?? this.unused,
        4: perSample ?? this.unused,
        5: x,
      },
      this.elementwiseGrid(count),
    );
  }
}
