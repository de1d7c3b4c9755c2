import { defineConfig } from 'vitest/config';

// Two projects: `unit` is plain TypeScript in Node; `gpu` runs real WGSL on Dawn for Node with the SwiftShader
// Vulkan ICD that Debian's chromium ships (scripts/test-all.sh sets VK_ICD_FILENAMES).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/gpu/**'],
          environment: 'node',
          // The default 5 s is met on an idle machine; a loaded 2-core one (training beside the tests) needs more.
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'gpu',
          include: ['test/gpu/**/*.test.ts'],
          environment: 'node',
          // One Dawn instance per worker; SwiftShader is multi-threaded itself, so run files one at a time.
          fileParallelism: false,
          testTimeout: 120_000,
          setupFiles: ['test/gpu/setup.ts'],
        },
      },
    ],
  },
});
