import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { watchErrors } from './pageErrors.ts';

/**
 * The built app under the Content-Security-Policy it ships (the <meta> tag vite.config.ts writes into
 * dist/index.html). A meta policy binds the page only; the engine worker's policy comes with the worker's own
 * response, so this test serves the worker with the same policy as a header, as a host should. Then it generates
 * VAR and DiT samples (our WGSL kernels, onnxruntime-web's WebAssembly and WebGPU decoders and classifier in the
 * worker), runs the format explorer, reads the sweep, exports PNGs of samples and charts, and expects no violation
 * anywhere.
 */

const POLICY = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(
  readFileSync('dist/index.html', 'utf8'),
)?.[1];

// One line, so the violation of its own eval probe is the one reported at line 1 of the worker script.
const WORKER_PROBE =
  "self.addEventListener('securitypolicyviolation', (e) => { if (e.lineNumber === 1 && e.blockedURI === 'eval') console.log('csp-probe: the worker policy blocked eval'); else console.error(`CSP violation in the worker: ${e.effectiveDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`); }); try { (0, eval)('0'); console.log('csp-probe: eval ran in the worker'); } catch { /* blocked: reported by the listener */ }\n";

test('the built app ships a policy without eval or inline scripts', () => {
  expect(POLICY, 'dist/index.html has a Content-Security-Policy meta tag').toBeDefined();
  const directives = new Map(
    POLICY!
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...values]) => [name, values]),
  );
  expect(directives.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
  expect(directives.get('default-src')).toEqual(["'self'"]);
  expect(directives.get('object-src')).toEqual(["'none'"]);
  // Bring-your-own bundles: any HTTPS origin, or a model server on this machine at any port; no other wildcard.
  expect(directives.get('connect-src')).toEqual(["'self'", 'https:', 'http://localhost:*', 'http://127.0.0.1:*']);
  expect(POLICY!.replace(/http:\/\/(localhost|127\.0\.0\.1):\*/g, '')).not.toMatch(/'unsafe-eval'|\*/);
  // No inline script and no inline style attribute (the PNG export styles through the CSSOM: vite.config.ts).
  expect([...directives].filter(([, values]) => values.includes("'unsafe-inline'")).map(([name]) => name)).toEqual([]);
});

test('generates, decodes and classifies under the policy with no violation in the page or the worker', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const errors = watchErrors(page);
  const probes: string[] = [];
  page.on('worker', (worker) =>
    worker.on('console', (m) => {
      if (m.text().startsWith('csp-probe')) probes.push(m.text());
      else if (m.type() === 'error') errors.push(`worker console: ${m.text()}`);
    }),
  );
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) =>
      seen.push(`${e.effectiveDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  await page.route('**/*engine.worker*', async (route) => {
    const response = await route.fetch();
    await route.fulfill({
      response,
      headers: { ...response.headers(), 'content-security-policy': POLICY! },
      body: WORKER_PROBE + (await response.text()),
    });
  });

  await page.goto('/?family=var&size=1&q=W4g32&class=3&seed=5');
  await expect(page.getByTestId('gpu-ready')).toBeVisible({ timeout: 60_000 });
  const pg = page.getByRole('region', { name: /Generate: full precision/ });
  const fp32 = pg.locator('figure.sample-cell[data-setting="fp32"]');
  const w4 = pg.locator('figure.sample-cell[data-setting="W4g32"]');
  // VAR: tokens on our kernels, VQ-VAE decoder and classifier on onnxruntime-web.
  await expect(fp32).toContainText(/looks like \d \(\d+%\)/, { timeout: 120_000 });
  await expect(w4).toContainText(/PSNR|identical/);
  // DiT: the VAE decoder.
  await pg.getByLabel('Family').selectOption('dit');
  await pg.getByLabel('Steps').fill('2');
  await expect(page).toHaveURL(/family=dit.*steps=2/);
  await expect(w4).toContainText(/PSNR|identical/, { timeout: 120_000 });
  await expect(fp32).toContainText(/looks like \d \(\d+%\)/);
  expect(
    await fp32
      .locator('canvas')
      .first()
      .evaluate((c) => (c as HTMLCanvasElement).toDataURL().length),
  ).toBeGreaterThan(200);
  // A PNG export (a blob: download), the sweep (fetched), and the explorer's kernel.
  const [png] = await Promise.all([
    page.waitForEvent('download'),
    pg.getByRole('button', { name: 'Download samples PNG' }).click(),
  ]);
  expect(png.suggestedFilename()).toMatch(/\.png$/);
  const scaling = page.getByTestId('scaling-law-panel');
  await expect(scaling.getByTestId('sweep-info')).toBeVisible();
  // The charts' PNG: their SVG drawn on a canvas through a data: image.
  const [chartPng] = await Promise.all([
    page.waitForEvent('download'),
    scaling.getByRole('button', { name: 'Download PNG of the charts' }).click(),
  ]);
  expect(chartPng.suggestedFilename()).toMatch(/\.png$/);
  await page
    .getByRole('region', { name: 'Number formats on the GPU' })
    .getByRole('button', { name: 'Quantize and run on GPU' })
    .click();
  await expect(page.getByTestId('explorer-result')).toBeVisible();

  expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
  expect(errors).toEqual([]);
  // The worker really ran under the policy: its own eval was refused.
  expect(probes).toEqual(['csp-probe: the worker policy blocked eval']);
  // And so does the page: the meta tag is in force.
  expect(
    await page.evaluate(() =>
      document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content'),
    ),
  ).toBe(POLICY);
  // (page.evaluate itself is exempt from the policy, so the probe is an inline script, which the policy refuses.)
  await page.evaluate(() =>
    document.head.append(
      Object.assign(document.createElement('script'), { textContent: 'window.inlineScriptRan = true' }),
    ),
  );
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations))
    .toEqual([expect.stringMatching(/^script-src-elem blocked inline /)]);
  expect(
    await page.evaluate(() => (window as unknown as { inlineScriptRan?: boolean }).inlineScriptRan),
  ).toBeUndefined();
});

test("the policy needs 'wasm-unsafe-eval': without it onnxruntime-web's WebAssembly is refused in the worker", async ({
  page,
}) => {
  test.setTimeout(180_000);
  const refused: string[] = [];
  page.on('worker', (worker) =>
    worker.on('console', (m) => void (m.text().includes('CSP violation in the worker') && refused.push(m.text()))),
  );
  await page.route('**/*engine.worker*', async (route) => {
    const response = await route.fetch();
    const policy = POLICY!.replace(" 'wasm-unsafe-eval'", '');
    await route.fulfill({
      response,
      headers: { ...response.headers(), 'content-security-policy': policy },
      body: WORKER_PROBE + (await response.text()),
    });
  });
  await page.goto('/?family=var&size=1&q=W4g32&class=3&seed=5');
  // The samples still come (our kernels need no WebAssembly), raw, with the decoder's failure spelled out.
  await expect(page.getByText(/The decoder could not be loaded .*Content Security/)).toBeVisible({ timeout: 120_000 });
  expect(
    refused.filter((m) => /script-src blocked wasm-eval/.test(m)),
    refused.join('\n'),
  ).not.toEqual([]);
});
