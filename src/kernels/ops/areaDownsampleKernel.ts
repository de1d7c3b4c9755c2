/**
 * AreaDownsampleKernel: F.interpolate(x, size=(outH, outW), mode='area') (= adaptive_avg_pool2d) on maps
 * [B, C, inH, inW] (shaders/ops/area_downsample.wgsl; reference areaDownsampleRef in src/ops/vq.ts, checked
 * against PyTorch). Output layout 'nchw' gives [B, C, outH, outW]; 'tokens' gives [B, outH*outW, C], the
 * `next_map.view(B, C, -1).transpose(1, 2)` that VAR's word_embed matmul takes, without a transpose kernel.
 */
import areaDownsampleWgsl from '../../../shaders/ops/area_downsample.wgsl?raw';
import { OpKernel, requireNoAliasing } from './opKernel';
import type { ResizeArgs } from './bicubicUpsampleKernel';
import type { MapLayout } from '../../ops/vq';

const OWNER = 'AreaDownsampleKernel';

export interface AreaDownsampleArgs extends ResizeArgs {
  /** Default 'nchw'. */
  readonly layout?: MapLayout;
}

export class AreaDownsampleKernel extends OpKernel<AreaDownsampleArgs> {
  constructor(device: GPUDevice) {
    super(device, OWNER, areaDownsampleWgsl, { 0: 'uniform', 1: 'read', 2: 'write' });
  }

  encode(encoder: GPUCommandEncoder, args: AreaDownsampleArgs): void {
    this.requireLive();
    const { batch, channels, inHeight, inWidth, outHeight, outWidth } = args;
    for (const [name, value] of Object.entries({ batch, channels, inHeight, inWidth, outHeight, outWidth }))
      this.requirePositive(name, value);
    const layout = args.layout ?? 'nchw';
    if (layout !== 'nchw' && layout !== 'tokens')
      this.fail(`layout must be 'nchw' or 'tokens', got '${String(layout)}'`);
    const cells = outHeight * outWidth;
    const count = batch * channels * cells;
    const src = this.storage(
      'src',
      args.src,
      batch * channels * inHeight * inWidth,
      `f32 [${batch}, ${channels}, ${inHeight}, ${inWidth}]`,
    );
    const dst = this.storage(
      'dst',
      args.dst,
      count,
      layout === 'nchw'
        ? `f32 [${batch}, ${channels}, ${outHeight}, ${outWidth}]`
        : `f32 tokens [${batch}, ${cells}, ${channels}]`,
    );
    requireNoAliasing(OWNER, { dst }, { src });
    const strides = layout === 'nchw' ? [channels * cells, cells, 1] : [cells * channels, 1, channels];
    this.dispatch(
      encoder,
      'main',
      {},
      [count, channels, inHeight, inWidth, outHeight, outWidth, ...strides],
      { 1: src, 2: dst },
      this.elementwiseGrid(count),
    );
  }
}
