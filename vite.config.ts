import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * Content-Security-Policy of the production app, as a <meta> tag in the built index.html (`vite build` only:
 * the dev server needs inline scripts and eval for hot reload). Everything comes from our own origin; beyond that:
 *   script-src 'wasm-unsafe-eval'  onnxruntime-web compiles its WebAssembly (without it the decoders and the
 *                                  classifier cannot load: e2e/csp.spec.ts); no 'unsafe-eval', no inline script
 *   img-src data:                  the empty favicon, and the charts' PNG export draws their SVG from a data: URL
 * No 'unsafe-inline' anywhere: the PNG export sets the cloned SVG's font through the CSSOM (style.cssText), which
 * the policy allows, not with setAttribute('style', …), which it reports (52 violations per click before).
 *   connect-src https: + local    bring-your-own bundles (?models=<base URL>) come from any HTTPS origin the user
 *                                  names, or a model server on this machine (http://localhost, http://127.0.0.1);
 *                                  the shipped bundles, ONNX files, sweep and .wasm come from 'self'
 * worker-src and style-src restate default-src 'self' to say what they cover: the module worker; the one
 * stylesheet (React and recharts set styles through the CSSOM).
 * A meta policy covers the page only: the worker's policy comes with its own response, so a host should send
 * the same policy as a Content-Security-Policy header too (e2e/csp.spec.ts checks the worker under it as well).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self' https: http://localhost:* http://127.0.0.1:*",
  "img-src 'self' data:",
  "style-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function contentSecurityPolicy(): Plugin {
  return {
    name: 'content-security-policy',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        // The app's one page; the developer pages (tools/) have their own build (vite.tools.config.ts).
        if (ctx.path !== '/index.html') return html;
        // Right after <meta charset>, before any script or stylesheet the policy has to cover.
        const charset = /<meta charset="[^"]*"\s*\/?>/i;
        if (!charset.test(html))
          throw new Error('index.html: no <meta charset> to put the Content-Security-Policy after');
        return html.replace(
          charset,
          (tag) => `${tag}\n    <meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}" />`,
        );
      },
    },
  };
}

// WGSL lives in shaders/ and is imported with `?raw`; model bundles are static files under public/models.
// The production build is the app alone: the developer pages (bench, parity, sweep) live in tools/ and are built
// by vite.tools.config.ts, never into dist/ (e2e/productionBuild.spec.ts checks the built dist/).
export default defineConfig({
  plugins: [react(), contentSecurityPolicy()],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    rollupOptions: {
      input: { main: 'index.html' },
    },
  },
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
});
