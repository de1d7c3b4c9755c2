/**
 * PatchifyKernel and UnpatchifyKernel: DiT's reshapes between latent images and patch tokens
 * (shaders/ops/patchify.wgsl, unpatchify.wgsl; references in src/ops/patchify.ts, checked against PyTorch):
 *
 *   patchify:   image [B, C, H, W] -> tokens [B, (H/p)(W/p), C*p*p], features (c, ky, kx): then a matmul with
 *               x_embedder.proj.weight viewed as [D, C*p*p] (+ bias) is the patch-embedding conv.
 *   unpatchify: tokens [B, (H/p)(W/p), p*p*C] -> image [B, C, H, W], features (ky, kx, c) as DiT's final
 *               linear lays them out (C = 2 * latent channels with learned sigma).
 *
 * H and W must be multiples of p.
 */
import patchifyWgsl from '../../../shaders/ops/patchify.wgsl?raw';
import unpatchifyWgsl from '../../../shaders/ops/unpatchify.wgsl?raw';
import { OpKernel, requireNoAliasing, type BufferSlice } from './opKernel';

export interface PatchArgs {
  readonly src: BufferSlice;
  readonly dst: BufferSlice;
  readonly batch: number;
  /** Image channels. */
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly patch: number;
}

abstract class PatchReshapeKernel extends OpKernel<PatchArgs> {
  protected abstract readonly srcIsImage: boolean;

  encode(encoder: GPUCommandEncoder, args: PatchArgs): void {
    this.requireLive();
    const { batch, channels, height, width, patch } = args;
    for (const [name, value] of Object.entries({ batch, channels, height, width, patch }))
      this.requirePositive(name, value);
    if (height % patch !== 0 || width % patch !== 0)
      this.fail(`height ${height} and width ${width} must be multiples of patch ${patch}`);
    const count = batch * channels * height * width;
    const tokens = `f32 tokens [${batch}, ${(height / patch) * (width / patch)}, ${channels * patch * patch}]`;
    const image = `f32 image [${batch}, ${channels}, ${height}, ${width}]`;
    const src = this.storage('src', args.src, count, this.srcIsImage ? image : tokens);
    const dst = this.storage('dst', args.dst, count, this.srcIsImage ? tokens : image);
    requireNoAliasing(this.owner, { dst }, { src });
    this.dispatch(
      encoder,
      'main',
      {},
      [count, channels, height, width, patch],
      { 1: src, 2: dst },
      this.elementwiseGrid(count),
    );
  }
}

export class PatchifyKernel extends PatchReshapeKernel {
  protected readonly srcIsImage = true;
  constructor(device: GPUDevice) {
    super(device, 'PatchifyKernel', patchifyWgsl, { 0: 'uniform', 1: 'read', 2: 'write' });
  }
}

export class UnpatchifyKernel extends PatchReshapeKernel {
  protected readonly srcIsImage = false;
  constructor(device: GPUDevice) {
    super(device, 'UnpatchifyKernel', unpatchifyWgsl, { 0: 'uniform', 1: 'read', 2: 'write' });
  }
}
