import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';

/**
 * The production build (dist/, written by `vite build` just before this suite: e2e/run.mjs) is the app alone. The
 * developer pages (tools/: bench, parity, sweep) have their own build (vite.tools.config.ts -> dist-tools/); if one
 * of them came back into vite.config.ts's inputs, its page, its entry chunk or the window hooks its Node driver reads
 * would show up here. Data in public/ (models, sweeps, the bench's ONNX graphs) is copied as is and not checked.
 */

const DIST = 'dist';
// The globals each tool page publishes for its driver (tools/*/src); the app never defines them.
const TOOL_HOOKS = ['__benchLoaded', '__benchResult', '__parityReport', '__parityError', 'window.__sweep'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : [path.relative(DIST, p)];
  });
}

test('dist/ holds the app page only, and no developer-page chunk', () => {
  const files = filesUnder(DIST);
  expect(files, 'dist/ was built (node e2e/run.mjs builds it)').toContain('index.html');
  expect(files.filter((f) => f.endsWith('.html'))).toEqual(['index.html']);
  const assets = files.filter((f) => f.startsWith(`assets${path.sep}`));
  expect(assets.filter((f) => /^(bench|parity|sweep)\b/i.test(path.basename(f)))).toEqual([]);
  const scripts = assets.filter((f) => /\.m?js$/.test(f));
  expect(scripts.length).toBeGreaterThan(0);
  const hooks = scripts.flatMap((f) => {
    const text = readFileSync(path.join(DIST, f), 'utf8');
    return TOOL_HOOKS.filter((h) => text.includes(h)).map((h) => `${f}: ${h}`);
  });
  expect(hooks, 'a developer page is bundled into the app (see vite.config.ts build.rollupOptions.input)').toEqual([]);
});
