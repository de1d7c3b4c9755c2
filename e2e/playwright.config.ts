import { defineConfig } from '@playwright/test';

// Debian's Chromium with WebGPU on (SwiftShader when there is no GPU). `npx playwright install` cannot
// download browsers here, so the executable is the system one (override with CHROMIUM_PATH).
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

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: 'http://127.0.0.1:4173',
    browserName: 'chromium',
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
    screenshot: 'only-on-failure',
  },
  webServer: {
    command: 'npx vite preview --host 127.0.0.1 --port 4173 --strictPort',
    // Playwright starts it in the config's folder by default; dist/ and vite.config.ts are at the root.
    cwd: process.cwd(),
    url: 'http://127.0.0.1:4173',
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
