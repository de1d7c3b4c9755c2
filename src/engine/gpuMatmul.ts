/**
 * One-shot fused quantised matmul on the GPU, for the probe: upload, multiply, read back, free.
 * Kernels are kept per device so their pipeline caches survive between probes.
 */
import { GpuPackedWeight, QuantMatmulKernel } from '../kernels';
import type { PackedWeight } from '../quant/formats';
import { OwnedBuffers, readF32 } from '../gpu/buffers';

const kernels = new WeakMap<GPUDevice, QuantMatmulKernel>();

export async function runQuantMatmul(
  device: GPUDevice,
  packed: PackedWeight,
  x: Float32Array,
  tokens: number,
): Promise<{ y: Float32Array; gpuMs: number }> {
  let kernel = kernels.get(device);
  if (!kernel) {
    kernel = new QuantMatmulKernel(device);
    kernels.set(device, kernel);
  }
  const buffers = new OwnedBuffers(device, 'quantProbe');
  try {
    const weight = buffers.keep(GpuPackedWeight.upload(device, packed, 'quantProbe.weight'));
    const xBuffer = buffers.upload('x', x);
    const yElements = tokens * packed.rows;
    const yBuffer = buffers.storage('y', yElements * 4);
    const args = { weight, x: xBuffer, y: yBuffer, m: tokens, k: packed.cols };
    await kernel.run(args); // warm-up: pipeline compilation is not what we time
    const start = performance.now();
    await kernel.run(args);
    const gpuMs = performance.now() - start;
    return { y: await readF32(device, yBuffer, 0, yElements), gpuMs };
  } finally {
    buffers.destroy();
  }
}
