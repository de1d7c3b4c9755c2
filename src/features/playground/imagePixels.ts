/**
 * Turns engine outputs into pixels: a decoded image in [-1, 1] as grey levels (our MNIST models, one channel)
 * or colour (official 256x256 models, three channels), and |quantised - fp32| as a heatmap on a fixed scale
 * (a full-range difference of 2 is the darkest red), so heatmaps compare across cells.
 */

/** How an output [1, C, H, W] is drawn: its side and whether its channels are RGB (else channel 0 as grey). */
export interface ImageLayout {
  readonly channels: 1 | 3;
  readonly size: number;
}

/** MNIST's 32x32 grey, the layout before an output's shape is known. */
export const GREY_32: ImageLayout = { channels: 1, size: 32 };

/**
 * The layout of an output of `shape`: three channels are RGB, anything else shows its first channel (a raw
 * f_hat or latent without its decoder); non-square or missing shapes fall back to 32x32 grey.
 */
export function layoutOf(shape: readonly number[] | undefined): ImageLayout {
  const [, channels = 1, h = 0, w = 0] = shape ?? [];
  if (h <= 0 || h !== w) return GREY_32;
  const layout: ImageLayout = { channels: channels === 3 ? 3 : 1, size: h };
  // One object per layout, so components that memoise pixels on it do not redraw on every render.
  const key = `${layout.channels}x${layout.size}`;
  if (!LAYOUTS.has(key)) LAYOUTS.set(key, layout);
  return LAYOUTS.get(key)!;
}

const LAYOUTS = new Map<string, ImageLayout>([['1x32', GREY_32]]);

/**
 * CSS pixels per image pixel: small images are magnified with crisp pixels (32 -> 96 px), large ones shown at
 * 128 px so four columns of 256x256 samples fit beside each other.
 */
export function displayScale(size: number): number {
  return size <= 64 ? 3 : 128 / size;
}

/** RGBA of an image laid out [C, H, W] (values in [-1, 1]). */
export function imagePixels(image: Float32Array, layout: ImageLayout): Uint8ClampedArray {
  const plane = layout.size * layout.size;
  const rgba = new Uint8ClampedArray(plane * 4);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) rgba[i * 4 + c] = level(image[(layout.channels === 3 ? c : 0) * plane + i]);
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

export function greyPixels(image: Float32Array, size: number): Uint8ClampedArray {
  return imagePixels(image, { channels: 1, size });
}

function level(v: number): number {
  return Math.round(((v + 1) / 2) * 255);
}

/**
 * White (no difference) through yellow to dark red (|difference| = `full`); a colour image's difference is the
 * mean over its three channels.
 */
export function diffPixels(
  image: Float32Array,
  reference: Float32Array,
  size: number,
  full = 2,
  channels: 1 | 3 = 1,
): Uint8ClampedArray {
  const plane = size * size;
  const rgba = new Uint8ClampedArray(plane * 4);
  for (let i = 0; i < plane; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += Math.abs(image[c * plane + i] - reference[c * plane + i]);
    const t = Math.min(1, sum / channels / full);
    const [r, g, b] = heat(t);
    rgba.set([r, g, b, 255], i * 4);
  }
  return rgba;
}

function heat(t: number): [number, number, number] {
  // Piecewise linear: 0 white, 0.25 yellow, 0.6 orange-red, 1 dark red.
  const stops: [number, [number, number, number]][] = [
    [0, [255, 255, 255]],
    [0.25, [250, 210, 60]],
    [0.6, [220, 70, 30]],
    [1, [110, 10, 10]],
  ];
  for (let s = 1; s < stops.length; s++) {
    const [t1, c1] = stops[s];
    const [t0, c0] = stops[s - 1];
    if (t <= t1) {
      const u = (t - t0) / (t1 - t0);
      return [0, 1, 2].map((k) => Math.round(c0[k] + u * (c1[k] - c0[k]))) as [number, number, number];
    }
  }
  return stops[stops.length - 1][1];
}

/** Mean |difference| in pixel units (0..1 display scale). */
export function meanAbsDiff(image: Float32Array, reference: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < image.length; i++) sum += Math.abs(image[i] - reference[i]);
  return sum / image.length / 2;
}
