/**
 * A real WebGPU device for kernel tests: Dawn for Node on the SwiftShader Vulkan ICD that Debian's chromium
 * ships. Every uncaptured WebGPU error is recorded; setup.ts fails the test that produced it.
 */
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);

const uncaptured: string[] = [];
let devicePromise: Promise<GPUDevice> | undefined;
/**
 * Dawn frees its native instance when the GPU object is garbage-collected, even while a device made from it
 * is alive (the process then dies at random in InstanceBase::ProcessEvents): keep it for the process lifetime.
 */
let gpu: GPU | undefined;

/**
 * Dawn's Vulkan backend zero-initialises workgroup memory through an extension that SwiftShader compiles very
 * slowly (2-7 s per GEMM pipeline instead of 0.2 s). WGSL still zero-initialises workgroup memory without it.
 */
export const DAWN_TOGGLES = ['disable-dawn-features=use_vulkan_zero_initialize_workgroup_memory_extension'];

/** The process-wide Dawn entry point (kept alive; see above). */
export function dawnGpu(): GPU {
  gpu ??= create(DAWN_TOGGLES);
  return gpu;
}

async function createDevice(): Promise<GPUDevice> {
  // DAWN_ADAPTER=gpu: the machine's high-performance adapter (a real GPU; tools/bench/gpu-check.sh), not SwiftShader.
  const realGpu = process.env.DAWN_ADAPTER === 'gpu';
  if (!realGpu && !process.env.VK_ICD_FILENAMES) {
    throw new Error(
      'GPU tests need VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json (run them with `npm test` or `npm run test:gpu`).',
    );
  }
  const adapter = await dawnGpu().requestAdapter(
    realGpu ? { powerPreference: 'high-performance' } : { forceFallbackAdapter: true },
  );
  if (!adapter) throw new Error('Dawn found no adapter: install Debian packages chromium and libvulkan1.');
  const device = await adapter.requestDevice({
    // The optional features the app's GpuContext asks for, where the adapter has them (subgroups: the
    // 'gemv-subgroup' matmul variant; SwiftShader has it, but not shader-f16).
    requiredFeatures: (['timestamp-query', 'subgroups', 'shader-f16'] as GPUFeatureName[]).filter((f) =>
      adapter.features.has(f),
    ),
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
    },
  });
  device.addEventListener('uncapturederror', (event) => {
    uncaptured.push((event as GPUUncapturedErrorEvent).error.message);
  });
  return device;
}

/** The shared test device (created once per test file worker). */
export function testDevice(): Promise<GPUDevice> {
  devicePromise ??= createDevice();
  return devicePromise;
}

/** Returns and clears the uncaptured errors recorded since the last call. */
export function takeUncapturedErrors(): string[] {
  return uncaptured.splice(0, uncaptured.length);
}

/** Copies a GPU buffer's first `byteLength` bytes back to the CPU. */
export async function readBuffer(device: GPUDevice, buffer: GPUBuffer, byteLength = buffer.size): Promise<ArrayBuffer> {
  const staging = device.createBuffer({
    label: 'test.readBuffer.staging',
    size: byteLength,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const encoder = device.createCommandEncoder({ label: 'test.readBuffer.encoder' });
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, byteLength);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const copy = staging.getMappedRange().slice(0);
  staging.unmap();
  staging.destroy();
  return copy;
}
