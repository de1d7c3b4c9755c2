// Screenshot of the scaling-law panel for the README: the sweep (public/sweeps/mnist-sweep.json, or with
// --fixture the hand-written test fixture, whose adapter line says it is not measured) and a live point
// caught mid-measurement. Needs the built app on a preview server:
//   npx vite build && npx vite preview --port 4173 &   node e2e/scaling-law-screenshot.mjs [--fixture] [--url URL]
import { chromium } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/chromium.mjs';

const args = process.argv.slice(2);
const url = args.includes('--url') ? args[args.indexOf('--url') + 1] : 'http://127.0.0.1:4173/';
const out = new URL('../docs/screenshots/scaling-law.png', import.meta.url).pathname;

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  if (args.includes('--fixture')) {
    const body = readFileSync(new URL('./fixtures/mnist-sweep.fixture.json', import.meta.url), 'utf8');
    await page.route('**/sweeps/mnist-sweep.json', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body }),
    );
  }
  await page.goto(url);
  await page.getByTestId('gpu-ready').waitFor({ timeout: 120_000 });
  const panel = page.getByTestId('scaling-law-panel');
  await panel.getByLabel('Model').selectOption('mnist-var-d1');
  await panel.getByLabel('Weight bits').selectOption('4');
  await panel.getByLabel('Group size').selectOption('g128');
  await panel.getByLabel('Samples').selectOption('100');
  await panel.getByRole('button', { name: 'Measure quality' }).click();
  await panel.getByTestId('live-point').waitFor({ timeout: 600_000 });
  await panel.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
