import { describe, expect, it } from 'vitest';
import {
  areaDownsampleRef,
  bicubicTaps,
  bicubicUpsampleRef,
  codebookGatherRef,
  nearestCodeRef,
  phiConvRef,
} from '../../src/ops/vq';
import { Rng } from '../../src/util/random';
import { expectClose, freshSeed, uniformArray } from './closeness';
import { torchReference } from './fixtures/torchReference';

// The references run in f64 on the f32 inputs; PyTorch ran in f32: a few f32 roundings apart.
const TORCH_TOL = { atol: 2e-6, rtol: 2e-6 };

describe('VQ op references against PyTorch (fixtures)', () => {
  it('bicubic upsampling equals F.interpolate(bicubic, align_corners=False)', () => {
    for (const c of torchReference().bicubic) {
      const [batch, channels, height, width] = c.shape;
      expectClose(
        bicubicUpsampleRef(c.x, { batch, channels, height, width }, c.out[0], c.out[1]),
        c.y,
        TORCH_TOL,
        `bicubic ${height}x${width}->${c.out}`,
      );
    }
  });

  it('area downsampling equals F.interpolate(area)', () => {
    for (const c of torchReference().area) {
      const [batch, channels, height, width] = c.shape;
      expectClose(
        areaDownsampleRef(c.x, { batch, channels, height, width }, c.out[0], c.out[1]),
        c.y,
        TORCH_TOL,
        `area ${height}->${c.out[0]}`,
      );
    }
  });

  it('Phi equals (1-r) h + r conv3x3(h)', () => {
    const c = torchReference().phi;
    const [batch, channels, height, width] = c.shape;
    expectClose(phiConvRef(c.h, c.weight, c.bias, { batch, channels, height, width }, c.ratio), c.y, TORCH_TOL, 'phi');
  });
});

describe('VQ op references, properties', () => {
  it('bicubic weights sum to 1 and taps clamp at the borders', () => {
    for (const [inSize, outSize] of [
      [1, 8],
      [3, 8],
      [5, 7],
    ]) {
      for (let d = 0; d < outSize; d++) {
        const { index, weight } = bicubicTaps(d, inSize, outSize);
        expect(weight.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        for (const i of index) expect(i >= 0 && i < inSize).toBe(true);
      }
    }
  });

  it('area layouts nchw and tokens hold the same values transposed', () => {
    const seed = freshSeed();
    const rng = new Rng(seed);
    const shape = { batch: 2, channels: 3, height: 8, width: 8 };
    const x = uniformArray(() => rng.next(), 2 * 3 * 64);
    const nchw = areaDownsampleRef(x, shape, 3, 3, 'nchw');
    const tokens = areaDownsampleRef(x, shape, 3, 3, 'tokens');
    for (let b = 0; b < 2; b++)
      for (let c = 0; c < 3; c++)
        for (let p = 0; p < 9; p++) expect(tokens[(b * 9 + p) * 3 + c]).toBe(nchw[(b * 3 + c) * 9 + p]);
  });

  it('codebook gather and nearest code invert each other on codebook rows', () => {
    const seed = freshSeed();
    const rng = new Rng(seed);
    const [V, C, batch, side] = [37, 5, 2, 3];
    const codebook = uniformArray(() => rng.next(), V * C);
    const indices = Array.from({ length: batch * side * side }, () => Math.floor(rng.next() * V));
    const maps = codebookGatherRef(indices, codebook, batch, side, C);
    // Back to rows [B*n, C] and search.
    const rows = new Float64Array(batch * side * side * C);
    for (let b = 0; b < batch; b++)
      for (let c = 0; c < C; c++)
        for (let p = 0; p < side * side; p++) rows[(b * side * side + p) * C + c] = maps[(b * C + c) * side * side + p];
    expect(Array.from(nearestCodeRef(rows, codebook, batch * side * side, V, C)), `seed ${seed}`).toEqual(indices);
  });
});
