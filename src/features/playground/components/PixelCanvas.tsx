import { useEffect, useRef } from 'react';

/** A small RGBA bitmap drawn at `scale` with crisp pixels; `label` is its accessible name. */
export function PixelCanvas({
  pixels,
  size,
  scale = 3,
  label,
}: {
  pixels: Uint8ClampedArray;
  size: number;
  scale?: number;
  label: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    ctx.putImageData(new ImageData(new Uint8ClampedArray(pixels), size, size), 0, 0);
  }, [pixels, size]);
  return (
    <canvas
      ref={ref}
      className="pixels"
      width={size}
      height={size}
      style={{ width: size * scale, height: size * scale }}
      role="img"
      aria-label={label}
    />
  );
}
