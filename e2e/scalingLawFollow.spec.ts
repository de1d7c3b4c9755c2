import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { watchErrors } from './pageErrors.ts';

// The hand-written sweep of scalingLaw.spec.ts (VAR d2 swept at W4g128, W3g128, W2g128, ...), served in place of
// the shipped file so the rings have known points to sit on.
const FIXTURE_TEXT = readFileSync(new URL('./fixtures/mnist-sweep.fixture.json', import.meta.url), 'utf8');

test('the chart follows the playground: its columns are ringed, and "Measure as I change" re-measures the active column', async ({
  page,
}, testInfo) => {
  // Real generation, decoding and classification on SwiftShader, beside the playground's own generation.
  test.setTimeout(600_000);
  const errors = watchErrors(page);
  await page.route('**/sweeps/mnist-sweep.json', (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: FIXTURE_TEXT }),
  );
  await page.goto('/?family=var&size=2&q=W4g128,W3g128&class=7&seed=1');
  await expect(page.getByTestId('gpu-ready')).toBeVisible({ timeout: 60_000 });
  const panel = page.getByTestId('scaling-law-panel');
  const varChart = panel.getByTestId('scaling-chart-var');
  const marks = varChart.getByTestId('playground-mark');

  // Both columns were swept: two rings on the VAR chart, the active column's (1) doubled.
  await expect(panel.getByTestId('playground-marks')).toContainText('The playground shows mnist-var-d2');
  await expect(marks).toHaveCount(2);
  await expect(varChart.locator('[data-testid="playground-mark"][data-active="true"]')).toHaveAttribute(
    'data-setting',
    'W4g128',
  );
  await expect(varChart.locator('.scaling-legend')).toContainText('In the playground (column 1; column 2)');

  // On: it measures the active column at once (after the debounce).
  await panel.getByLabel('Samples').selectOption('10');
  await panel.getByLabel('Measure as I change').check();
  await expect(panel.getByTestId('follow-target')).toContainText('column 1, W4g128 on mnist-var-d2');
  await expect(panel.getByTestId('live-what')).toContainText('mnist-var-d2 at W4g128 (playground column 1)');

  // Two bits in the playground: the ring moves to the W2 curve and the live point re-measures, the W4 run cancelled.
  const column1 = page.getByRole('group', { name: 'Quantisation of column 1' });
  await column1.getByLabel('Weight bits').selectOption('2');
  await expect(panel.getByTestId('follow-target')).toContainText('column 1, W2g128 on mnist-var-d2');
  await expect(varChart.locator('[data-testid="playground-mark"][data-active="true"]')).toHaveAttribute(
    'data-setting',
    'W2g128',
  );
  await expect(panel.getByTestId('live-what')).toContainText('mnist-var-d2 at W2g128 (playground column 1)');

  // The measurement ends as a point "Measured here"; its paired metrics name the setting the playground shows.
  await expect(varChart.locator('.scaling-legend')).toContainText('Measured here', { timeout: 540_000 });
  await expect(panel.getByTestId('paired-metrics')).toContainText('(mnist-var-d2, W2g128)');
  await page.mouse.move(0, 0);
  await panel.screenshot({ path: testInfo.outputPath('scaling-law-follow.png') });

  // Only the re-measured point was kept: the stale W4g128 run was cancelled before it could finish.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    panel.getByRole('link', { name: /Download CSV/ }).click(),
  ]);
  const csv = readFileSync(await download.path(), 'utf8')
    .trimEnd()
    .split('\r\n');
  const header = csv[0]!.split(',');
  const live = csv
    .slice(1)
    .map((line) => Object.fromEntries(line.split(',').map((v, i) => [header[i], v])))
    .filter((r) => r.source === 'live');
  expect(live.map((r) => `${r.modelId} ${r.setting} ${r.samples} ${r.partial}`)).toEqual([
    'mnist-var-d2 W2g128 10 false',
  ]);
  expect(errors).toEqual([]);
});
