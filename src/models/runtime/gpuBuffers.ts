/**
 * Buffer helpers of the engine: labelled uploads, storage allocation, and readback (only when a caller asks
 * for CPU arrays: per-step traces, parity tests).
 */
export const STORAGE_USAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** A STORAGE buffer holding `data` (f32 or u32 words), at least 16 bytes. */
export function uploadWords(device: GPUDevice, label: string, data: Float32Array | Uint32Array | Int32Array): GPUBuffer {
  const buffer = device.createBuffer({ label, size: Math.max(16, Math.ceil(data.byteLength / 4) * 4), usage: STORAGE_USAGE, mappedAtCreation: true });
  new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  buffer.unmap();
  return buffer;
}

export function createStorage(device: GPUDevice, label: string, bytes: number): GPUBuffer {
  return device.createBuffer({ label, size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: STORAGE_USAGE });
}

/** Copies `count` f32 values starting at element `offset` of `buffer` back to the CPU. */
export async function readF32(device: GPUDevice, buffer: GPUBuffer, offset = 0, count = (buffer.size >> 2) - offset): Promise<Float32Array> {
  return new Float32Array(await readBytes(device, buffer, offset * 4, count * 4));
}

export async function readU32(device: GPUDevice, buffer: GPUBuffer, offset = 0, count = (buffer.size >> 2) - offset): Promise<Uint32Array> {
  return new Uint32Array(await readBytes(device, buffer, offset * 4, count * 4));
}

async function readBytes(device: GPUDevice, buffer: GPUBuffer, byteOffset: number, byteLength: number): Promise<ArrayBuffer> {
  // copyBufferToBuffer needs 4-byte aligned sizes; read whole words.
  const staging = device.createBuffer({ label: 'readback.staging', size: Math.max(4, byteLength), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder({ label: 'readback.encoder' });
  if (byteLength > 0) encoder.copyBufferToBuffer(buffer, byteOffset, staging, 0, byteLength);
  device.queue.submit([encoder.finish()]);
  try {
    await staging.mapAsync(GPUMapMode.READ);
    return staging.getMappedRange(0, byteLength).slice(0);
  } finally {
    staging.destroy();
  }
}

/**
 * `count` f32 elements rounded up to a whole number of `alignmentBytes` (e.g. the device's
 * minStorageBufferOffsetAlignment), so per-step regions of one buffer can each be bound at their own offset.
 */
export function alignElements(count: number, alignmentBytes: number): number {
  const per = alignmentBytes / 4;
  return Math.ceil(count / per) * per;
}

/** A byte range of a buffer, in the form the kernels take. */
export function slice(buffer: GPUBuffer, elementOffset: number, elements: number): { buffer: GPUBuffer; offset: number; size: number } {
  return { buffer, offset: elementOffset * 4, size: elements * 4 };
}

/** queue.writeBuffer of `count` values of `data` starting at element `from`, to byte `byteOffset` of `buffer`. */
export function writeWords(device: GPUDevice, buffer: GPUBuffer, byteOffset: number, data: Float32Array | Uint32Array | Int32Array, from = 0, count = data.length - from): void {
  const bytes = new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset + from * 4, count * 4);
  device.queue.writeBuffer(buffer, byteOffset, bytes);
}
