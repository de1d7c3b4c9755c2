#!/usr/bin/env node
/**
 * node tools/bench/dawnAdapter.mjs [gpu|fallback]
 *
 * Prints (JSON) the adapter that Dawn for Node (the `webgpu` package) gives our GPU tests and benches: the
 * high-performance adapter (gpu, default: the machine's GPU through its Vulkan driver) or SwiftShader (fallback),
 * with the same toggle as test/gpu/device.ts. tools/bench/gpu-check.sh runs it first, so a machine whose GPU Dawn
 * cannot see fails there with the reason instead of timing a CPU. Exit code 1 when there is no adapter.
 */
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);
const which = process.argv[2] ?? 'gpu';
if (which !== 'gpu' && which !== 'fallback') {
  console.error(`dawnAdapter: unknown adapter kind '${which}' (use gpu or fallback)`);
  process.exit(2);
}
const gpu = create(['disable-dawn-features=use_vulkan_zero_initialize_workgroup_memory_extension']);
const adapter = await gpu.requestAdapter(
  which === 'gpu' ? { powerPreference: 'high-performance' } : { forceFallbackAdapter: true },
);
if (!adapter) {
  console.error(
    `Dawn for Node returned no ${which} adapter (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'}).`,
  );
  process.exit(1);
}
const info = adapter.info ?? {};
console.log(
  JSON.stringify(
    {
      requested: which,
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      isFallbackAdapter: info.isFallbackAdapter ?? adapter.isFallbackAdapter,
      features: [...adapter.features].sort(),
      limits: {
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
      },
      vkIcdFilenames: process.env.VK_ICD_FILENAMES ?? null,
    },
    null,
    1,
  ),
);
// Dawn keeps the process alive otherwise.
process.exit(0);
