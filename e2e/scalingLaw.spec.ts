import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { watchErrors } from './pageErrors.ts';

// A hand-written sweep in the shipped file's format (not measured; its adapter says so), served in place of
// public/sweeps/mnist-sweep.json so the charts are tested whether or not `npm run sweep` has been run.
const FIXTURE_TEXT = readFileSync(new URL('./fixtures/mnist-sweep.fixture.json', import.meta.url), 'utf8');
const FIXTURE = JSON.parse(FIXTURE_TEXT) as {
  points: Array<{ family: string; modelId: string; setting: string; method: string; fd: number }>;
};
const SWEEP_ROUTE = '**/sweeps/mnist-sweep.json';
const MARKERS = 'svg.recharts-surface .recharts-scatter-symbol path.recharts-symbols';

async function serveFixture(page: Page) {
  await page.route(SWEEP_ROUTE, (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: FIXTURE_TEXT }),
  );
}

test('draws the sweep for VAR and DiT, switches axes, and exports the points as CSV', async ({ page }) => {
  const errors = watchErrors(page);
  await serveFixture(page);
  await page.goto('/');
  const panel = page.getByTestId('scaling-law-panel');
  await expect(panel.getByTestId('sweep-info')).toContainText(`${FIXTURE.points.length} points`);

  for (const family of ['var', 'dit']) {
    const expected = FIXTURE.points.filter((p) => p.family === family).length;
    const chart = panel.getByTestId(`scaling-chart-${family}`);
    await expect(chart).toHaveAttribute('data-points', String(expected));
    // Every point is drawn as a marker inside the plot (the frontier's step vertices draw none).
    await expect(chart.locator(MARKERS)).toHaveCount(expected);
  }
  await expect(
    panel.getByTestId('scaling-chart-var').getByText('TopKLD (our reconstruction)', { exact: false }).first(),
  ).toBeVisible();
  await expect(panel.getByTestId('scaling-chart-dit').locator('.scaling-legend')).toContainText('Pareto frontier');

  // The tooltip of a point names model, setting and sample count (markers overlap: hover whichever is on top there).
  await panel.getByTestId('scaling-chart-var').locator(MARKERS).first().hover({ force: true });
  await expect(panel.locator('.scaling-tooltip')).toContainText(/mnist-var-d\d · .*n = 200/);

  await panel.getByRole('radio', { name: 'Compute bits (weights × activations)' }).check();
  await expect(panel.getByText('compute bits per token', { exact: false }).first()).toBeVisible();
  await panel.getByRole('radio', { name: 'Log' }).check();
  await expect(panel.getByText('FD (lower is better, log)').first()).toBeVisible();

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    panel.getByRole('link', { name: /Download CSV/ }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('scaling-law-compute-bits-2026-11-25.csv');
  const csv = readFileSync(await download.path(), 'utf8')
    .trimEnd()
    .split('\r\n');
  const header = csv[0]!.split(',');
  expect(csv).toHaveLength(1 + FIXTURE.points.length);
  const rows = csv.slice(1).map((line) => Object.fromEntries(line.split(',').map((v, i) => [header[i], v])));
  expect(rows.map((r) => `${r.modelId} ${r.setting} ${r.method} ${Number(r.fd)}`)).toEqual(
    FIXTURE.points.map((p) => `${p.modelId} ${p.setting} ${p.method} ${p.fd}`),
  );
  expect(new Set(rows.map((r) => r.source))).toEqual(new Set(['sweep']));

  const [png] = await Promise.all([
    page.waitForEvent('download'),
    panel.getByRole('button', { name: 'Download PNG of the charts' }).click(),
  ]);
  expect(png.suggestedFilename()).toBe('scaling-law-compute-bits-2026-11-25.png');
  const bytes = readFileSync(await png.path());
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  expect(bytes.length).toBeGreaterThan(20_000);
  expect(errors).toEqual([]);
});

test('shows the distillation view: each QAT method between RTN at k and k+1 bits', async ({ page }) => {
  await serveFixture(page);
  await page.goto('/');
  const charts = page.getByTestId('distillation-chart');
  await expect(charts).toHaveCount(2);
  await expect(charts.nth(0)).toContainText('VAR d3 at W3');
  await expect(charts.nth(0).getByRole('row', { name: /TopKLD \(our reconstruction\)/ })).toBeVisible();
  await expect(charts.nth(1)).toContainText('DiT d4 at W3');
  await expect(charts.nth(1).getByRole('row', { name: /QAT \+ MSE distillation/ })).toBeVisible();
});

test('says how to make the sweep when there is none, and still offers the live measurement', async ({ page }) => {
  const errors = watchErrors(page);
  await page.route(SWEEP_ROUTE, (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.goto('/');
  const panel = page.getByTestId('scaling-law-panel');
  await expect(panel.getByTestId('sweep-missing')).toContainText('No precomputed sweep yet: run npm run sweep');
  await expect(panel.getByRole('button', { name: 'Measure quality' })).toBeEnabled();
  // The live point's own pick (the setting picker offers only settings the grammar has), then back to the playground's.
  await expect(panel.getByLabel('Weight bits')).toHaveValue('4');
  await panel.getByLabel('Weight bits').selectOption('2');
  await expect(panel.getByRole('button', { name: "Use the playground's pick" })).toBeVisible();
  await panel.getByRole('button', { name: "Use the playground's pick" }).click();
  await expect(panel.getByLabel('Weight bits')).toHaveValue('4');
  await expect(panel.getByRole('button', { name: 'Measure quality' })).toBeEnabled();
  await expect(panel.getByRole('button', { name: "Use the playground's pick" })).toHaveCount(0);
  // A 404 in the console is the browser's, not the app's.
  expect(errors.filter((e) => !e.includes('404'))).toEqual([]);
});

test('measures a point live: it appears while samples accumulate, then joins the chart and the export', async ({
  page,
}) => {
  // Real generation, decoding and classification on SwiftShader: minutes on a loaded 2-core machine.
  test.setTimeout(480_000);
  const errors = watchErrors(page);
  await serveFixture(page);
  await page.goto('/');
  await expect(page.getByTestId('gpu-ready')).toBeVisible({ timeout: 60_000 });
  const panel = page.getByTestId('scaling-law-panel');
  await panel.getByLabel('Model').selectOption('mnist-var-d1');
  // The playground's first column is W4g32: groups of 128 make W4g128.
  await panel.getByLabel('Weight bits').selectOption('4');
  await panel.getByLabel('Group size').selectOption('g128');
  // 25 samples in batches of 10: partial points after 10 and 20 samples, the result at 25.
  await panel.getByLabel('Samples').selectOption('25');
  await panel.getByRole('button', { name: 'Measure quality' }).click();
  await expect(panel.getByRole('progressbar', { name: 'Measurement progress' })).toBeVisible();

  const varChart = panel.getByTestId('scaling-chart-var');
  await expect(varChart.getByTestId('live-point')).toBeVisible({ timeout: 420_000 });
  await expect(varChart.getByText(/^n = (10|20) samples$/)).toBeVisible();
  await expect(panel.getByTestId('live-status')).toContainText(/n = (10|20) of 25 samples · FD \d+\.\d ± \d+\.\d/);

  // The finished point stays on the chart as "Measured here" and goes into the CSV as a live row.
  await expect(varChart.locator('.scaling-legend')).toContainText('Measured here', { timeout: 420_000 });
  await expect(varChart.getByTestId('live-point')).toHaveCount(0);
  await expect(panel.getByRole('button', { name: 'Measure quality' })).toBeEnabled();
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
  expect(live).toHaveLength(1);
  expect(live[0]).toMatchObject({
    modelId: 'mnist-var-d1',
    setting: 'W4g128',
    samples: '25',
    partial: 'false',
    precision: 'W4',
  });
  expect(Number(live[0]!.fd)).toBeGreaterThan(0);
  expect(Number(live[0]!.fdStdErr)).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});

test('cancels a live measurement and the panel stays usable', async ({ page }) => {
  await serveFixture(page);
  await page.goto('/');
  const panel = page.getByTestId('scaling-law-panel');
  await panel.getByLabel('Samples').selectOption('500');
  await panel.getByRole('button', { name: 'Measure quality' }).click();
  await expect(panel.getByRole('button', { name: 'Measure quality' })).toBeDisabled();
  await panel.getByRole('button', { name: 'Cancel' }).click();
  await expect(panel.getByTestId('live-status')).toHaveCount(0);
  await expect(panel.getByRole('button', { name: 'Measure quality' })).toBeEnabled();
  await expect(panel.getByRole('alert')).toHaveCount(0);
  await expect(panel.getByTestId('scaling-chart-var').locator('.scaling-legend')).not.toContainText('Measured here');
});

test('shows the engine error and its fix when a measurement fails, and the panel keeps working', async ({ page }) => {
  test.setTimeout(240_000);
  await serveFixture(page);
  // The bundle's manifest goes missing: the engine's load fails with a message and what to do.
  await page.route('**/models/mnist-var-d1/manifest.json', (route) =>
    route.fulfill({ status: 404, body: 'not found' }),
  );
  await page.goto('/');
  const panel = page.getByTestId('scaling-law-panel');
  await panel.getByLabel('Model').selectOption('mnist-var-d1');
  await panel.getByLabel('Samples').selectOption('10');
  await panel.getByRole('button', { name: 'Measure quality' }).click();
  const alert = panel.getByRole('alert');
  await expect(alert).toContainText('Measuring mnist-var-d1 at', { timeout: 200_000 });
  await expect(alert).toContainText('What to do:');
  await expect(panel.getByRole('button', { name: 'Measure quality' })).toBeEnabled();
  await expect(panel.getByTestId('scaling-chart-var').locator(MARKERS).first()).toBeVisible();
  await panel.getByRole('radio', { name: 'Compute bits (weights × activations)' }).check();
  await expect(panel.getByText('compute bits per token', { exact: false }).first()).toBeVisible();
});
