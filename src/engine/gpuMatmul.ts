/**
 * One-shot fused quantised matmul on the GPU, for the probe: upload, multiply, read back, free.
 * Kernels are kept per device so their pipeline caches survive between probes.
 */
import { GpuPackedWeight, QuantMatmulKernel } from '../kernels';
import type { PackedWeight } from '../quant/formats';

const kernels = new WeakMap<GPUDevice, QuantMatmulKernel>();

export async function runQuantMatmul(device: GPUDevice, packed: PackedWeight, x: Float32Array, tokens: number): Promise<{ y: Float32Array; gpuMs: number }> {
  let kernel = kernels.get(device);
  if (!kernel) {
    kernel = new QuantMatmulKernel(device);
    kernels.set(device, kernel);
  }
  const weight = GpuPackedWeight.upload(device, packed, 'quantProbe.weight');
  const xBuffer = device.createBuffer({ label: 'quantProbe.x', size: x.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const yBytes = tokens * packed.rows * 4;
  const yBuffer = device.createBuffer({ label: 'quantProbe.y', size: yBytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const readback = device.createBuffer({ label: 'quantProbe.readback', size: yBytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    device.queue.writeBuffer(xBuffer, 0, x as Float32Array<ArrayBuffer>);
    const args = { weight, x: xBuffer, y: yBuffer, m: tokens, k: packed.cols };
    await kernel.run(args); // warm-up: pipeline compilation is not what we time
    const start = performance.now();
    await kernel.run(args);
    const gpuMs = performance.now() - start;
    const encoder = device.createCommandEncoder({ label: 'quantProbe.readbackEncoder' });
    encoder.copyBufferToBuffer(yBuffer, 0, readback, 0, yBytes);
    device.queue.submit([encoder.finish()]);
    await readback.mapAsync(GPUMapMode.READ);
    const y = new Float32Array(readback.getMappedRange().slice(0));
    readback.unmap();
    return { y, gpuMs };
  } finally {
    weight.destroy();
    xBuffer.destroy();
    yBuffer.destroy();
    readback.destroy();
  }
}
