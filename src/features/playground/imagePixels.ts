/**
 * Turns engine outputs into pixels: a decoded image in [-1, 1] as grey levels, and |quantised - fp32| as a
 * heatmap on a fixed scale (a full-range difference of 2 is the darkest red), so heatmaps compare across cells.
 */
export function greyPixels(image: Float32Array, size: number): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    const v = Math.round(((image[i] + 1) / 2) * 255);
    rgba.set([v, v, v, 255], i * 4);
  }
  return rgba;
}

/** White (no difference) through yellow to dark red (|difference| = `full`). */
export function diffPixels(image: Float32Array, reference: Float32Array, size: number, full = 2): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    const t = Math.min(1, Math.abs(image[i] - reference[i]) / full);
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
