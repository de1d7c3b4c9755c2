import { readFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

/**
 * axe-core on every view of the built app, in the states a user reaches: the page as it opens, samples with
 * heatmaps, the scaling-law charts on both axes and the distillation view, the three analysis experiments with
 * their charts, the format explorer's result, and the error and notice panels. All of axe's default rules run
 * (WCAG 2.x A/AA and best practices); a violation fails the test with its rule, its help text and the elements.
 */

const SWEEP_FIXTURE = readFileSync(new URL('./fixtures/mnist-sweep.fixture.json', import.meta.url), 'utf8');

async function expectNoViolations(page: Page, view: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const report = violations.map(
    (v) =>
      `${view}: ${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}  ${n.failureSummary?.split('\n').slice(1).join(' ') ?? ''}`).join('\n')}`,
  );
  expect(report, `axe violations on ${view}`).toEqual([]);
}

async function openReady(page: Page, url = '/'): Promise<void> {
  await page.route('**/sweeps/mnist-sweep.json', (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: SWEEP_FIXTURE }),
  );
  await page.goto(url);
  await expect(page.getByTestId('gpu-ready')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('region', { name: /Generate: full precision/ }).getByLabel('Model size')).toBeEnabled();
}

test('the page as it opens', async ({ page }) => {
  await openReady(page);
  await expect(page.getByTestId('scaling-chart-var')).toBeVisible();
  await expectNoViolations(page, 'the page as it opens');
});

test('the playground with samples, heatmaps, two rows and error traces', async ({ page }) => {
  await openReady(page, '/?family=var&size=1&q=W4g32,W2g32&class=3&seed=5&rows=2&diff=1');
  const pg = page.getByRole('region', { name: /Generate: full precision/ });
  await expect(pg.locator('figure.sample-cell[data-setting="W2g32"]').nth(1)).toContainText(/PSNR|identical/, {
    timeout: 90_000,
  });
  await expect(pg.getByTestId('error-traces')).toHaveAttribute('data-series', '2');
  await expectNoViolations(page, 'playground, VAR samples');
  await pg.getByLabel('Family').selectOption('dit');
  await pg.getByLabel('Steps').fill('3');
  await expect(pg.locator('figure.sample-cell[data-setting="W2g32"]').nth(1)).toContainText(/PSNR|identical/, {
    timeout: 90_000,
  });
  await expectNoViolations(page, 'playground, DiT samples');
});

test('the notices: a bad link, a setting already shown', async ({ page }) => {
  await openReady(page, '/?family=gan&q=W9g32,W4g32,W2g32&seed=-3');
  const pg = page.getByRole('region', { name: /Generate: full precision/ });
  await expect(pg.getByRole('status', { name: 'Link problems' })).toBeVisible();
  // Column 1 to column 2's setting: refused, with a message.
  await pg.getByLabel('Weight bits').selectOption('2');
  await expect(pg.getByRole('status', { name: 'Setting already shown' })).toBeVisible();
  await expectNoViolations(page, 'playground notices');
});

test('the scaling law on both axes, and the distillation view', async ({ page }) => {
  await openReady(page);
  const panel = page.getByTestId('scaling-law-panel');
  await expect(panel.getByTestId('scaling-chart-dit').locator('.scaling-legend')).toContainText('Pareto frontier');
  await expect(page.getByTestId('distillation-chart')).toHaveCount(2);
  await expectNoViolations(page, 'scaling law, total bits');
  await panel.getByRole('radio', { name: 'Compute bits (weights × activations)' }).check();
  await panel.getByRole('radio', { name: 'Log' }).check();
  await expect(panel.getByText('FD (lower is better, log)').first()).toBeVisible();
  await expectNoViolations(page, 'scaling law, compute bits, log');
});

test('the analysis experiments with their charts', async ({ page }) => {
  test.setTimeout(300_000);
  await openReady(page);
  const panel = page.getByRole('region', { name: 'Looking inside: activations, weights and noise' });
  const activation = panel.getByRole('region', { name: 'Activation magnitude per channel' });
  await expect(activation.getByLabel('Model')).toBeEnabled();
  await activation.getByLabel('Model').selectOption('mnist-var-d1');
  await activation.getByLabel('Images').fill('1');
  await activation.getByRole('button', { name: 'Measure activations' }).click();
  await expect(activation.getByTestId('activation-chart-fc2')).toBeVisible({ timeout: 120_000 });
  const weights = panel.getByRole('region', { name: 'Weights on the quantisation grid' });
  await weights.getByLabel('Model').selectOption('mnist-dit-d1');
  await weights.getByRole('button', { name: 'Show weights' }).click();
  await expect(weights.getByTestId('weight-histogram')).toBeVisible();
  const snr = panel.getByRole('region', { name: /representation SNR/ });
  await snr.getByLabel('VAR model').selectOption('mnist-var-d1');
  await snr.getByLabel('DiT model').selectOption('mnist-dit-d1');
  await snr.getByLabel('Input SNRs (dB)').fill('0, 40');
  await snr.getByLabel('Images').fill('1');
  await snr.getByLabel('DiT steps').fill('2');
  await snr.getByRole('button', { name: 'Run SNR sweep' }).click();
  await expect(snr.getByTestId('snr-table').locator('tbody td', { hasText: /dB|identical/ })).toHaveCount(4, {
    timeout: 180_000,
  });
  await expectNoViolations(page, 'analysis');
});

test("the format explorer's result", async ({ page }) => {
  await openReady(page);
  const explorer = page.getByRole('region', { name: 'Number formats on the GPU' });
  await explorer.getByRole('button', { name: 'Quantize and run on GPU' }).click();
  await expect(page.getByTestId('explorer-result')).toBeVisible();
  await expectNoViolations(page, 'format explorer');
});

test('the page without WebGPU', async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(Object.getPrototypeOf(navigator), 'gpu', { get: () => undefined, configurable: true });
  });
  await page.route('**/*engine.worker*', async (route) => {
    const response = await route.fetch();
    const body = `Object.defineProperty(Object.getPrototypeOf(navigator), 'gpu', { get: () => undefined });\n${await response.text()}`;
    await route.fulfill({ response, body });
  });
  await page.goto('/');
  await expect(page.getByRole('alert').filter({ hasText: 'WebGPU is not available' })).toBeVisible();
  await expectNoViolations(page, 'no WebGPU');
});
