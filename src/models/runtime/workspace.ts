/**
 * Scratch activations of a forward pass, by name. `reserve()` sizes every buffer for a whole run BEFORE
 * anything is encoded (a buffer replaced while commands that use it are still being recorded would be
 * destroyed under them); `get()` then only hands out buffers. Buffers grow, never shrink, and are labelled
 * `${owner}.${name}`.
 */
import { createStorage } from '../../gpu/buffers';
import { ModelError } from './errors';

export class Workspace {
  private readonly buffers = new Map<string, GPUBuffer>();
  private destroyed = false;

  constructor(
    private readonly device: GPUDevice,
    private readonly owner: string,
  ) {}

  /** Ensures each named buffer holds at least the given number of f32 elements. */
  reserve(elements: Readonly<Record<string, number>>): void {
    for (const [name, count] of Object.entries(elements)) {
      const bytes = Math.max(16, count * 4);
      const existing = this.buffers.get(name);
      if (existing && existing.size >= bytes) continue;
      existing?.destroy();
      this.buffers.set(name, createStorage(this.device, `${this.owner}.${name}`, bytes));
    }
  }

  get(name: string): GPUBuffer {
    const buffer = this.buffers.get(name);
    if (!buffer || this.destroyed) {
      throw new ModelError(
        'argument-invalid',
        `${this.owner}: scratch buffer "${name}" was not reserved.`,
        'Call reserve() with every buffer of the run before encoding (engine bug).',
      );
    }
    return buffer;
  }

  get byteLength(): number {
    let total = 0;
    for (const b of this.buffers.values()) total += b.size;
    return total;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const b of this.buffers.values()) b.destroy();
    this.buffers.clear();
  }
}
