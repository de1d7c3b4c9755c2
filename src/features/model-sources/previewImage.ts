/**
 * A generator's output as RGBA pixels for the preview: one grey channel (our MNIST models) or three colour
 * channels (official 256x256 models), from [-1, 1]; a raw output (no decoder) has no image.
 */
export interface PreviewImage {
  readonly pixels: Uint8ClampedArray | undefined;
  readonly size: number;
}

export function previewImage(output: Float32Array, shape: readonly number[], kind: string): PreviewImage {
  const [, channels = 1, h = 0, w = 0] = shape;
  if (kind !== 'image' || h !== w || (channels !== 1 && channels !== 3)) return { pixels: undefined, size: 0 };
  const plane = h * w;
  const rgba = new Uint8ClampedArray(plane * 4);
  const level = (v: number) => Math.round(((v + 1) / 2) * 255);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) rgba[i * 4 + c] = level(output[(channels === 3 ? c : 0) * plane + i]);
    rgba[i * 4 + 3] = 255;
  }
  return { pixels: rgba, size: h };
}
