import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The developer pages (tools/: the kernel and end-to-end bench, engine parity, the quality sweep), built apart from
 * the app so that none of them ships in the production dist/. The root stays the repository root, so the pages
 * import src/ as they need and fetch the same public/ files (/models, /bench) at the same URLs as the app; a page
 * is at /tools/<tool>/<tool>.html both on the dev server (`vite --config vite.tools.config.ts`) and in the build
 * (dist-tools/, served by `vite preview --config vite.tools.config.ts`). Their Node drivers (tools/<tool>/*.mjs)
 * start these servers themselves.
 */
export const TOOL_PAGES = {
  bench: 'tools/bench/bench.html',
  parity: 'tools/parity/parity.html',
  sweep: 'tools/sweep/sweep.html',
} as const;

export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    outDir: 'dist-tools',
    rollupOptions: { input: TOOL_PAGES },
  },
  server: { host: '127.0.0.1', port: 5173 },
});
