import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// WGSL lives in shaders/ and is imported with `?raw`; model bundles are static files under public/models.
export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    rollupOptions: {
      input: { main: 'index.html', bench: 'bench.html', parity: 'parity.html', sweep: 'sweep.html' },
    },
  },
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
});
