/**
 * A generator's output as RGBA pixels for the preview: one grey channel (our MNIST models) or three colour
 * channels (official 256x256 models), from [-1, 1]; a raw output (no decoder) has no image.
 */
import { imagePixels } from '../playground/imagePixels';

export interface PreviewImage {
  readonly pixels: Uint8ClampedArray | undefined;
  readonly size: number;
}

export function previewImage(output: Float32Array, shape: readonly number[], kind: string): PreviewImage {
  const [, channels = 1, h = 0, w = 0] = shape;
  if (kind !== 'image' || h !== w || (channels !== 1 && channels !== 3)) return { pixels: undefined, size: 0 };
  return { pixels: imagePixels(output, { channels, size: h }), size: h };
}
