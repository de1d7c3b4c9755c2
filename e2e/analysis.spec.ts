import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { watchErrors } from './pageErrors.ts';

/**
 * The analysis panel on the built app with the real engine worker (SwiftShader): the three views run on the
 * smallest shipped models with small sample counts and draw data. With ANALYSIS_SCREENSHOT=1 a second test runs
 * the views' defaults (var-d2, dit-d3) and saves docs/screenshots/analysis.png.
 */

async function openPanel(page: Page) {
  await page.goto('/');
  await expect(page.getByTestId('gpu-ready')).toBeVisible();
  const panel = page.getByRole('region', { name: 'Looking inside: activations, weights and noise' });
  await expect(panel).toBeVisible();
  // The model pickers fill from the engine's list.
  await expect(
    panel.getByRole('region', { name: 'Activation magnitude per channel' }).getByLabel('Model'),
  ).toBeEnabled();
  return panel;
}

test('the analysis panel measures activations, draws weights on the grid and runs an SNR sweep', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = watchErrors(page);
  const panel = await openPanel(page);

  // 1. Activation magnitudes per channel: three charts for the chosen block, each with a max/median ratio.
  const activation = panel.getByRole('region', { name: 'Activation magnitude per channel' });
  await activation.getByLabel('Model').selectOption('mnist-var-d1');
  await activation.getByLabel('Images').fill('2');
  await activation.getByRole('button', { name: 'Measure activations' }).click();
  for (const layer of ['qkv', 'fc1', 'fc2']) {
    const chart = activation.getByTestId(`activation-chart-${layer}`);
    await expect(chart).toBeVisible({ timeout: 90_000 });
    // d1 has width 64 (qkv, fc1 inputs) and 256 (fc2 input): one bar per channel.
    await expect(chart.locator('.recharts-bar-rectangle')).toHaveCount(layer === 'fc2' ? 256 : 64);
    const ratio = Number((await activation.getByTestId(`max-over-median-${layer}`).textContent())!.replace('×', ''));
    expect(ratio).toBeGreaterThan(1);
  }
  await expect(activation.getByLabel('Block')).toHaveValue('0');

  // 2. Weights on the grid: INT4 symmetric, groups of 32 on DiT d1's fc1: 16 grid lines, 4 + 16/32 bits.
  const weights = panel.getByRole('region', { name: 'Weights on the quantisation grid' });
  await weights.getByLabel('Model').selectOption('mnist-dit-d1');
  await weights.getByLabel('Layer').selectOption('fc1');
  await weights.getByLabel('Weight format').selectOption('int');
  await weights.getByLabel('Weight bits').selectOption('4');
  await weights.getByLabel('Zero point').selectOption('sym');
  await weights.getByLabel('Group size').selectOption('g32');
  await weights.getByRole('button', { name: 'Show weights' }).click();
  const histogram = weights.getByTestId('weight-histogram');
  await expect(histogram).toBeVisible();
  await expect(histogram.getByText('4.500', { exact: true })).toBeVisible();
  await expect(histogram.locator('.recharts-reference-line')).toHaveCount(16);
  expect(await histogram.locator('.recharts-bar-rectangle').count()).toBeGreaterThan(8);
  // FP4 has 15 distinct values; one group only.
  await weights.getByLabel('Weight format').selectOption('fp');
  await expect(weights.getByLabel('Weight bits')).toHaveValue('fp4');
  await weights.getByLabel('Show').selectOption('group');
  await weights.getByLabel('Group', { exact: true }).fill('3');
  await weights.getByRole('button', { name: 'Show weights' }).click();
  await expect(histogram.getByText('group 3 of blocks.0.mlp.fc1', { exact: false })).toBeVisible();
  await expect(histogram.locator('.recharts-reference-line')).toHaveCount(15);

  // 3. The SNR sweep: both families on one chart with the identity line; one row per input SNR.
  const snr = panel.getByRole('region', { name: /representation SNR/ });
  await snr.getByLabel('VAR model').selectOption('mnist-var-d1');
  await snr.getByLabel('DiT model').selectOption('mnist-dit-d1');
  await snr.getByLabel('Input SNRs (dB)').fill('0, 40');
  await snr.getByLabel('Images').fill('1');
  await snr.getByLabel('DiT steps').fill('4');
  await snr.getByRole('button', { name: 'Run SNR sweep' }).click();
  const table = snr.getByTestId('snr-table');
  await expect(snr.getByRole('button', { name: 'Run SNR sweep' })).toBeEnabled({ timeout: 120_000 });
  await expect(table.locator('tbody tr')).toHaveCount(2);
  await expect(table.locator('thead')).toContainText('mnist-var-d1');
  await expect(table.locator('thead')).toContainText('mnist-dit-d1');
  await expect(table.locator('tbody td', { hasText: /dB|identical/ })).toHaveCount(4);
  // Identity + two model curves.
  await expect(snr.getByTestId('snr-chart').locator('.recharts-line')).toHaveCount(3);
  expect(errors).toEqual([]);
});

test('screenshot of the analysis panel with the defaults (ANALYSIS_SCREENSHOT=1)', async ({ page }) => {
  test.skip(!process.env.ANALYSIS_SCREENSHOT, 'set ANALYSIS_SCREENSHOT=1 to refresh docs/screenshots/analysis.png');
  test.setTimeout(900_000);
  await page.setViewportSize({ width: 1200, height: 900 });
  const panel = await openPanel(page);
  const activation = panel.getByRole('region', { name: 'Activation magnitude per channel' });
  await activation.getByRole('button', { name: 'Measure activations' }).click();
  await expect(activation.getByTestId('activation-chart-fc2')).toBeVisible({ timeout: 300_000 });
  const weights = panel.getByRole('region', { name: 'Weights on the quantisation grid' });
  await weights.getByRole('button', { name: 'Show weights' }).click();
  await expect(weights.getByTestId('weight-histogram')).toBeVisible();
  const snr = panel.getByRole('region', { name: /representation SNR/ });
  await snr.getByLabel('DiT steps').fill(process.env.ANALYSIS_DIT_STEPS ?? '50');
  await snr.getByRole('button', { name: 'Run SNR sweep' }).click();
  await expect(snr.getByRole('button', { name: 'Run SNR sweep' })).toBeEnabled({ timeout: 840_000 });
  await expect(snr.getByTestId('snr-table').locator('tbody tr')).toHaveCount(5);
  mkdirSync('docs/screenshots', { recursive: true });
  await panel.screenshot({ path: 'docs/screenshots/analysis.png', animations: 'disabled' });
});
