/**
 * The generic GPU buffer helpers, used by every layer above (kernels, models, engine, tools): create a labelled
 * buffer, upload, write, read back, free. Labels follow `Owner.field` (e.g. `VarModel.tokens`,
 * `quantProbe.weight`) so that a WebGPU validation message names who made the buffer.
 * Kernel-specific code (argument validation, bindings) stays in src/kernels.
 */

/**
 * What activations, weights and scratch get: bound as storage, copied in and read back
 * (GPUBufferUsage.STORAGE | COPY_SRC | COPY_DST). Written as the spec's fixed bit values so that this module
 * loads where the WebGPU globals do not exist (Node unit tests of the bench's fixtures import it).
 */
export const STORAGE_USAGE = 0x0080 | 0x0004 | 0x0008;

type Words = Float32Array | Uint32Array | Int32Array;

/** A buffer holding `data` (f32, u32 or i32 words), at least 16 bytes; STORAGE_USAGE unless `usage` says otherwise. */
export function uploadWords(
  device: GPUDevice,
  label: string,
  data: Words,
  usage: GPUBufferUsageFlags = STORAGE_USAGE,
): GPUBuffer {
  const buffer = device.createBuffer({
    label,
    size: Math.max(16, Math.ceil(data.byteLength / 4) * 4),
    usage,
    mappedAtCreation: true,
  });
  new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  buffer.unmap();
  return buffer;
}

/** A UNIFORM buffer holding `words` (u32 bit patterns), rounded up to 16 bytes as WGSL uniform structs are. */
export function uploadUniform(device: GPUDevice, label: string, words: readonly number[]): GPUBuffer {
  const buffer = device.createBuffer({
    label,
    size: Math.max(16, Math.ceil((words.length * 4) / 16) * 16),
    usage: GPUBufferUsage.UNIFORM,
    mappedAtCreation: true,
  });
  new Uint32Array(buffer.getMappedRange()).set(words);
  buffer.unmap();
  return buffer;
}

/** A zeroed storage buffer of at least `bytes`, rounded up to 16 bytes. */
export function createStorage(device: GPUDevice, label: string, bytes: number): GPUBuffer {
  return device.createBuffer({ label, size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: STORAGE_USAGE });
}

/** queue.writeBuffer of `count` values of `data` starting at element `from`, to byte `byteOffset` of `buffer`. */
export function writeWords(
  device: GPUDevice,
  buffer: GPUBuffer,
  byteOffset: number,
  data: Words,
  from = 0,
  count = data.length - from,
): void {
  const bytes = new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset + from * 4, count * 4);
  device.queue.writeBuffer(buffer, byteOffset, bytes);
}

/** Copies `count` f32 values starting at element `offset` of `buffer` back to the CPU. */
export async function readF32(
  device: GPUDevice,
  buffer: GPUBuffer,
  offset = 0,
  count = (buffer.size >> 2) - offset,
): Promise<Float32Array> {
  return new Float32Array(await readBytes(device, buffer, offset * 4, count * 4));
}

export async function readU32(
  device: GPUDevice,
  buffer: GPUBuffer,
  offset = 0,
  count = (buffer.size >> 2) - offset,
): Promise<Uint32Array> {
  return new Uint32Array(await readBytes(device, buffer, offset * 4, count * 4));
}

/**
 * `byteLength` bytes of `buffer` from `byteOffset`. Both must be multiples of 4 (copyBufferToBuffer's rule); the
 * staging buffer is freed also when mapping fails. Its label is `readback.staging` whatever the source, so
 * that tests counting an owner's buffers by label prefix (memoryPlan.test.ts) do not count readbacks.
 */
export async function readBytes(
  device: GPUDevice,
  buffer: GPUBuffer,
  byteOffset: number,
  byteLength: number,
): Promise<ArrayBuffer> {
  const staging = device.createBuffer({
    label: 'readback.staging',
    size: Math.max(4, byteLength),
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    const encoder = device.createCommandEncoder({ label: 'readback.encoder' });
    if (byteLength > 0) encoder.copyBufferToBuffer(buffer, byteOffset, staging, 0, byteLength);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    return staging.getMappedRange(0, byteLength).slice(0);
  } finally {
    staging.destroy();
  }
}

/**
 * readBytes inside a validation error scope, for buffers this code did not create (onnxruntime's outputs): a
 * copy from a buffer of another GPUDevice is a validation error, returned as `error` instead of zeros as data.
 */
export async function readBytesChecked(
  device: GPUDevice,
  buffer: GPUBuffer,
  byteOffset: number,
  byteLength: number,
): Promise<{ data: ArrayBuffer } | { error: string }> {
  device.pushErrorScope('validation');
  // readBytes encodes and submits the copy before its first await, so the scope holds exactly that copy.
  const reading = readBytes(device, buffer, byteOffset, byteLength);
  const error = await device.popErrorScope();
  if (error) {
    await reading.catch(() => undefined); // its staging buffer is freed either way
    return { error: error.message };
  }
  return { data: await reading };
}

/**
 * `count` f32 elements rounded up to a whole number of `alignmentBytes` (e.g. the device's
 * minStorageBufferOffsetAlignment), so per-step regions of one buffer can each be bound at their own offset.
 */
export function alignElements(count: number, alignmentBytes: number): number {
  const per = alignmentBytes / 4;
  return Math.ceil(count / per) * per;
}

/** A byte range of a buffer (f32 elements), in the form the kernels take. */
export function slice(
  buffer: GPUBuffer,
  elementOffset: number,
  elements: number,
): { buffer: GPUBuffer; offset: number; size: number } {
  return { buffer, offset: elementOffset * 4, size: elements * 4 };
}

/**
 * Buffers made for one owner and freed together: `destroy()` is idempotent, and a one-shot job can free them in
 * a `finally` whatever failed in between.
 *
 *   const buffers = new OwnedBuffers(device, 'quantProbe');
 *   try { const x = buffers.upload('x', data); ... } finally { buffers.destroy(); }
 */
export class OwnedBuffers {
  private readonly buffers: { destroy(): void }[] = [];

  constructor(
    private readonly device: GPUDevice,
    private readonly owner: string,
  ) {}

  /** A storage buffer holding `data`, labelled `Owner.field`. */
  upload(field: string, data: Words, usage?: GPUBufferUsageFlags): GPUBuffer {
    return this.keep(uploadWords(this.device, `${this.owner}.${field}`, data, usage));
  }

  /** A zeroed storage buffer of at least `bytes`, labelled `Owner.field`. */
  storage(field: string, bytes: number): GPUBuffer {
    return this.keep(createStorage(this.device, `${this.owner}.${field}`, bytes));
  }

  /** Frees `buffer` with the others (for buffers made elsewhere, e.g. GpuPackedWeight's). */
  keep<B extends { destroy(): void }>(buffer: B): B {
    this.buffers.push(buffer);
    return buffer;
  }

  get count(): number {
    return this.buffers.length;
  }

  destroy(): void {
    for (const buffer of this.buffers.splice(0)) buffer.destroy();
  }
}
