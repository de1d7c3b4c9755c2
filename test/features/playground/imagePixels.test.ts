import { describe, expect, it } from 'vitest';
import { GREY_32, diffPixels, displayScale, imagePixels, layoutOf } from '../../../src/features/playground/imagePixels';

describe('playground pixels of RGB and grey outputs', () => {
  it('reads the layout from the output shape: official 256x256 RGB, MNIST grey, raw outputs as their first channel', () => {
    expect(layoutOf([1, 3, 256, 256])).toEqual({ channels: 3, size: 256 });
    expect(layoutOf([1, 1, 32, 32])).toBe(GREY_32);
    expect(layoutOf([1, 32, 16, 16])).toEqual({ channels: 1, size: 16 });
    expect(layoutOf(undefined)).toBe(GREY_32);
    expect(layoutOf([1, 3, 8, 4])).toBe(GREY_32);
    // The same object each time, so memoised pixels are not redrawn on every render.
    expect(layoutOf([1, 3, 256, 256])).toBe(layoutOf([1, 3, 256, 256]));
    expect(displayScale(32) * 32).toBe(96);
    expect(displayScale(256) * 256).toBe(128);
  });

  it('draws [C, H, W] channels as R, G, B and the heatmap from the mean |difference| over channels', () => {
    const size = 3;
    const plane = size * size;
    const img = Float32Array.from({ length: 3 * plane }, () => Math.random() * 2 - 1);
    const rgba = imagePixels(img, { channels: 3, size });
    for (let i = 0; i < plane; i++)
      for (let c = 0; c < 3; c++) expect(rgba[i * 4 + c]).toBe(Math.round(((img[c * plane + i] + 1) / 2) * 255));
    // Only the green channel of pixel 0 differs, by the full range: a third of the full heat.
    const other = Float32Array.from(img);
    other[plane] = img[plane] > 0 ? img[plane] - 2 : img[plane] + 2;
    const heat = diffPixels(other, img, size, 2, 3);
    const third = diffPixels(Float32Array.from([2 / 3]), Float32Array.from([0]), 1, 2, 1);
    expect(Array.from(heat.slice(0, 4))).toEqual(Array.from(third));
    expect(Array.from(heat.slice(4, 8))).toEqual([255, 255, 255, 255]);
  });
});
