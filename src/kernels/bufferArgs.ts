/**
 * Buffer arguments of the kernels and their validation. A kernel argument is a whole GPUBuffer or a slice of
 * one ({ buffer, offset, size }), so the engine can place activations in sub-ranges of larger buffers.
 */
import { KernelInputError } from './errors';

export type BufferSlice = GPUBuffer | { readonly buffer: GPUBuffer; readonly offset?: number; readonly size?: number };

export interface ResolvedSlice {
  readonly buffer: GPUBuffer;
  readonly offset: number;
  readonly size: number;
}

/**
 * Checks that `slice` is a STORAGE buffer range of at least `bytesNeeded` bytes at an aligned offset, and returns
 * the binding of exactly `bytesNeeded` bytes (so a larger buffer is fine and the kernel never sees its tail).
 */
export function resolveStorageSlice(
  device: GPUDevice,
  kernel: string,
  name: string,
  slice: BufferSlice,
  bytesNeeded: number,
  what: string,
): ResolvedSlice {
  const buffer = 'buffer' in slice ? slice.buffer : slice;
  const offset = 'buffer' in slice ? (slice.offset ?? 0) : 0;
  const available = 'buffer' in slice && slice.size !== undefined ? slice.size : buffer.size - offset;
  if ((buffer.usage & GPUBufferUsage.STORAGE) === 0) {
    throw new KernelInputError(
      kernel,
      `${name} (${buffer.label || 'unlabelled buffer'}) lacks STORAGE usage; create it with GPUBufferUsage.STORAGE`,
    );
  }
  const alignment = device.limits.minStorageBufferOffsetAlignment;
  if (!Number.isInteger(offset) || offset < 0 || offset % alignment !== 0) {
    throw new KernelInputError(
      kernel,
      `${name} offset ${offset} must be a non-negative multiple of ${alignment} (minStorageBufferOffsetAlignment)`,
    );
  }
  if (offset + available > buffer.size) {
    throw new KernelInputError(
      kernel,
      `${name} range ${offset}+${available} runs past the end of its ${buffer.size}-byte buffer; shrink the slice`,
    );
  }
  if (available < bytesNeeded) {
    throw new KernelInputError(
      kernel,
      `${name} has ${available} bytes but ${what} needs ${bytesNeeded}; allocate at least ${bytesNeeded} bytes or fix the shape`,
    );
  }
  return { buffer, offset, size: bytesNeeded };
}

export function requirePositiveInteger(kernel: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new KernelInputError(kernel, `${name} must be a positive integer, got ${value}`);
  }
}

/** An output must not share a buffer with any input: WebGPU forbids a writable and a read-only binding of one buffer. */
export function requireDistinctOutput(
  kernel: string,
  output: ResolvedSlice,
  inputs: Record<string, ResolvedSlice | undefined>,
): void {
  for (const [name, input] of Object.entries(inputs)) {
    if (input && input.buffer === output.buffer) {
      throw new KernelInputError(
        kernel,
        `the output shares its buffer with ${name}; write to a separate buffer (in-place is not supported)`,
      );
    }
  }
}

export function binding(slice: ResolvedSlice): GPUBufferBinding {
  return { buffer: slice.buffer, offset: slice.offset, size: slice.size };
}

/** Workgroup grid for `count` workgroups: 1D while it fits, else 2D (the shader linearises id.x + id.y * count.x). */
export function grid2d(device: GPUDevice, kernel: string, count: number): [number, number] {
  const limit = device.limits.maxComputeWorkgroupsPerDimension;
  if (count <= limit) return [count, 1];
  const rows = Math.ceil(count / limit);
  if (rows > limit)
    throw new KernelInputError(
      kernel,
      `${count} workgroups exceed a ${limit}x${limit} grid; split the work into smaller calls`,
    );
  return [limit, rows];
}

export function requireGridDimension(device: GPUDevice, kernel: string, count: number, what: string): void {
  const limit = device.limits.maxComputeWorkgroupsPerDimension;
  if (count > limit)
    throw new KernelInputError(
      kernel,
      `${what} needs ${count} workgroups in one dimension, over the limit ${limit}; split the call`,
    );
}
