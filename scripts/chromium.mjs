// How every browser run of this project (Playwright e2e, benchmarks, parity) starts Debian's Chromium:
// headless with WebGPU on (SwiftShader when there is no GPU), and without the background services that a
// machine with no network would only see fail.
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // SwiftShader compiles Dawn's workgroup-memory zero-init extension very slowly; WGSL semantics are unchanged.
  '--disable-dawn-features=use_vulkan_zero_initialize_workgroup_memory_extension',
];
