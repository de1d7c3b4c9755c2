/**
 * Immutable uniform buffers keyed by their contents. A kernel's uniform holds only shapes (and a static scale),
 * which repeat every step of a model, so each distinct content is written once and reused by every later call.
 * This also makes `encode()` safe to call many times into one command encoder: no buffer is rewritten between
 * encoding and submission, which a single reused uniform buffer written with queue.writeBuffer would not be.
 * The cache grows by one small buffer per distinct shape; `destroy()` frees them all.
 */
import { uploadUniform } from '../gpu/buffers';

export class UniformCache {
  private readonly buffers = new Map<string, GPUBuffer>();

  constructor(
    private readonly device: GPUDevice,
    private readonly owner: string,
  ) {}

  /** A uniform buffer holding exactly `words` (u32 bit patterns; write f32 fields with f32Bits()). */
  get(words: readonly number[]): GPUBuffer {
    const key = words.join(',');
    let buffer = this.buffers.get(key);
    if (!buffer) {
      buffer = uploadUniform(this.device, `${this.owner}.uniform[${key}]`, words);
      this.buffers.set(key, buffer);
    }
    return buffer;
  }

  get size(): number {
    return this.buffers.size;
  }

  destroy(): void {
    for (const buffer of this.buffers.values()) buffer.destroy();
    this.buffers.clear();
  }
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** The bit pattern of the f32 nearest to x, for f32 fields of a uniform. */
export function f32Bits(x: number): number {
  f32Scratch[0] = x;
  return u32Scratch[0];
}
