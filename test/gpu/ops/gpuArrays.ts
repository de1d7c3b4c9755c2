/** Upload and read-back helpers of the op kernel tests. Buffers are labelled `test.<name>`. */
import { readBuffer } from '../device';

const USAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

export function uploadF32(device: GPUDevice, name: string, data: ArrayLike<number>): GPUBuffer {
  const buffer = device.createBuffer({
    label: `test.${name}`,
    size: Math.max(16, data.length * 4),
    usage: USAGE,
    mappedAtCreation: true,
  });
  new Float32Array(buffer.getMappedRange(), 0, data.length).set(data);
  buffer.unmap();
  return buffer;
}

export function uploadU32(device: GPUDevice, name: string, data: ArrayLike<number>): GPUBuffer {
  const buffer = device.createBuffer({
    label: `test.${name}`,
    size: Math.max(16, data.length * 4),
    usage: USAGE,
    mappedAtCreation: true,
  });
  new Uint32Array(buffer.getMappedRange(), 0, data.length).set(data);
  buffer.unmap();
  return buffer;
}

/** A buffer of `elements` 4-byte values filled with NaN, so an element the kernel forgets to write shows up. */
export function outputBuffer(device: GPUDevice, name: string, elements: number): GPUBuffer {
  return uploadF32(device, name, new Float32Array(elements).fill(NaN));
}

export async function readF32(device: GPUDevice, buffer: GPUBuffer, elements: number): Promise<Float32Array> {
  return new Float32Array(await readBuffer(device, buffer, elements * 4));
}

export async function readU32(device: GPUDevice, buffer: GPUBuffer, elements: number): Promise<Uint32Array> {
  return new Uint32Array(await readBuffer(device, buffer, elements * 4));
}
