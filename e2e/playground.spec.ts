import { readFile } from 'node:fs/promises';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { watchErrors } from './pageErrors.ts';

/** Every progress message the playground shows, collected in the page as they appear. */
async function recordProgress(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { progressSeen: string[] }).progressSeen = seen;
    new MutationObserver(() => {
      const text = document.querySelector('.playground .progress-line span')?.textContent;
      if (text && seen[seen.length - 1] !== text) seen.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  return () => page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen.slice());
}

function playground(page: Page): Locator {
  return page.getByRole('region', { name: /Generate: full precision/ });
}

function cell(page: Page, setting: string): Locator {
  return playground(page).locator(`figure.sample-cell[data-setting="${setting}"]`);
}

async function canvasData(cellLocator: Locator): Promise<string> {
  return cellLocator
    .locator('canvas')
    .first()
    .evaluate((c) => (c as HTMLCanvasElement).toDataURL());
}

test('VAR and DiT generate side by side; changing weight bits regenerates only that column, and its image and trace change', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await page.goto('/?family=var&size=1&q=W4g32,W8g32&class=3&seed=5');
  const pg = playground(page);
  await expect(cell(page, 'fp32')).toBeVisible();
  await expect(cell(page, 'W4g32')).toBeVisible();
  await expect(cell(page, 'W8g32')).toBeVisible();
  await expect(cell(page, 'W4g32')).toContainText(/PSNR|identical/);
  await expect(cell(page, 'fp32')).toContainText(/looks like \d \(\d+%\)/);
  // VAR cells count the tokens equal to fp32's (var-d1: 1 + 4 + 9 + 16 = 30 per image).
  await expect(cell(page, 'W4g32')).toContainText(/\d+ of 30 tokens as fp32/);
  const traces = pg.getByTestId('error-traces');
  await expect(traces).toHaveAttribute('data-series', '2');
  const w4Image = await canvasData(cell(page, 'W4g32'));
  const w8Image = await canvasData(cell(page, 'W8g32'));
  const w4Trace = await traces.locator('.recharts-line path.recharts-curve').first().getAttribute('d');

  // Column 1 is the active one: 2-bit weights instead of 4.
  const progress = await recordProgress(page);
  await pg.getByLabel('Weight bits').selectOption('2');
  await expect(page).toHaveURL(/q=W2g32,W8g32/);
  await expect(cell(page, 'W2g32')).toBeVisible();
  await expect(cell(page, 'W4g32')).toHaveCount(0);
  expect(await canvasData(cell(page, 'W2g32'))).not.toBe(w4Image);
  await expect(traces.locator('.recharts-line path.recharts-curve').first()).not.toHaveAttribute('d', w4Trace ?? '');
  // Only the changed column ran: no fp32 or W8g32 step was reported, and W8's sample is the same.
  const seen = await progress();
  expect(seen.some((m) => m.includes('W2g32'))).toBe(true);
  expect(seen.filter((m) => m.includes('fp32') || m.includes('W8g32'))).toEqual([]);
  expect(await canvasData(cell(page, 'W8g32'))).toBe(w8Image);

  // DiT with 5 steps; VAR's traces of the same settings stay on the chart, dashed, on the shared axis.
  await pg.getByLabel('Family').selectOption('dit');
  await pg.getByLabel('Steps').fill('5');
  await expect(page).toHaveURL(/family=dit.*steps=5/);
  await expect(cell(page, 'W2g32')).toBeVisible();
  await expect(cell(page, 'W8g32')).toBeVisible();
  await expect(traces).toHaveAttribute('data-series', '4');
  await expect(traces).toContainText('dit-d1 W2 g32');
  await expect(traces).toContainText('var-d1 W2 g32');
  await expect(cell(page, 'W2g32')).not.toContainText('tokens as fp32');

  // Heatmaps: a second canvas under each quantised sample.
  await pg.getByLabel('Show difference heatmaps').check();
  await expect(cell(page, 'W2g32').locator('canvas')).toHaveCount(2);
  await expect(page).toHaveURL(/diff=1/);

  // Exports: one CSV line per shown cell (fp32 + 2 settings), and a PNG of the grid.
  const [csv] = await Promise.all([
    page.waitForEvent('download'),
    pg.getByRole('button', { name: 'Download samples CSV' }).click(),
  ]);
  const lines = (await readFile((await csv.path())!, 'utf8')).trim().split('\n');
  expect(lines[0]).toMatch(/^model,class,seed,steps,column,setting/);
  expect(lines.slice(1).map((l) => l.split(',')[4])).toEqual(['fp32', 'W2g32', 'W8g32']);
  const [png] = await Promise.all([
    page.waitForEvent('download'),
    pg.getByRole('button', { name: 'Download samples PNG' }).click(),
  ]);
  expect(png.suggestedFilename()).toBe('mnist-dit-d1-class3-seed5.png');
  expect((await readFile((await png.path())!)).subarray(1, 4).toString()).toBe('PNG');
  expect(errors).toEqual([]);
});

test('a shared link restores the view, and bad values in it are reported and replaced by defaults', async ({
  page,
}) => {
  await page.goto('/?family=dit&size=1&q=W3g32-A8,Wfp4g32&active=1&class=4&seed=9&steps=6&rows=2&rowMode=seeds&diff=1');
  const pg = playground(page);
  await expect(pg.getByLabel('Family')).toHaveValue('dit');
  await expect(pg.getByLabel('Model size')).toHaveValue('1');
  await expect(pg.getByLabel('Class')).toHaveValue('4');
  await expect(pg.getByLabel('Seed')).toHaveValue('9');
  await expect(pg.getByLabel('Steps')).toHaveValue('6');
  await expect(pg.getByLabel('Rows', { exact: true })).toHaveValue('2');
  await expect(pg.getByLabel('Rows vary')).toHaveValue('seeds');
  await expect(pg.getByRole('button', { name: /^2\. FP4 g32/ })).toHaveAttribute('aria-pressed', 'true');
  await expect(pg.getByLabel('Weight format')).toHaveValue('fp');
  await expect(pg.getByLabel('Show difference heatmaps')).toBeChecked();
  await expect(pg.getByRole('status', { name: 'Link problems' })).toHaveCount(0);

  await page.goto('/?family=gan&q=W9g32,W4g32-A8&seed=-3&steps=5000&size=7');
  const notice = pg.getByRole('status', { name: 'Link problems' });
  await expect(notice).toContainText('family=gan');
  await expect(notice).toContainText('W9g32');
  await expect(notice).toContainText('seed=-3');
  await expect(notice).toContainText('steps=5000');
  await expect(notice).toContainText('size=7');
  await expect(pg.getByLabel('Family')).toHaveValue('var');
  await expect(pg.getByLabel('Seed')).toHaveValue('1');
  await expect(pg.getByRole('button', { name: /^1\. W4 g32 · A8/ })).toBeVisible();
  await expect(pg.getByRole('button', { name: /^2\./ })).toHaveCount(0);
  // The URL now says what is shown.
  await expect(page).toHaveURL(/family=var&size=2&q=W4g32-A8&class=7&seed=1/);
});

test('works from the keyboard alone: pick a column, change its bits, add and remove settings', async ({ page }) => {
  await page.goto('/?family=var&size=1&q=W4g32,W8g32&class=3&seed=5');
  const pg = playground(page);
  await expect(cell(page, 'W8g32')).toContainText(/PSNR|identical/);
  const first = pg.getByRole('button', { name: /^1\. W4 g32/ });
  const second = pg.getByRole('button', { name: /^2\. W8 g32/ });
  // Tab order: a column's select button, then its remove button, then the next column.
  await first.focus();
  await page.keyboard.press('Tab');
  await expect(pg.getByRole('button', { name: 'Remove W4 g32' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(second).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(second).toHaveAttribute('aria-pressed', 'true');
  // Arrow keys on the focused select: INT8 -> INT6 for the active column, which regenerates alone.
  await pg.getByLabel('Weight bits').focus();
  await page.keyboard.press('ArrowUp');
  await expect(page).toHaveURL(/q=W4g32,W6g32/);
  await expect(cell(page, 'W6g32')).toContainText(/PSNR|identical/);
  const add = pg.getByRole('button', { name: 'Add setting' });
  await add.focus();
  await page.keyboard.press('Space');
  await expect(pg.getByRole('button', { name: /^3\./ })).toBeVisible();
  await pg.getByRole('button', { name: 'Remove W4 g32' }).focus();
  await page.keyboard.press('Enter');
  await expect(pg.getByRole('button', { name: /W4 g32/ })).toHaveCount(0);
  await expect(pg.getByRole('button', { name: /^1\. W6 g32/ })).toBeVisible();
  // Generate is reachable and works from the keyboard too.
  await pg.getByRole('button', { name: 'Generate' }).focus();
  await page.keyboard.press('Enter');
  await expect(cell(page, 'W6g32')).toContainText(/PSNR|identical/);
});

test('a corrupt model file gives an error panel with the fix, and another model still generates', async ({ page }) => {
  await page.route('**/models/mnist-var-d1/weights.safetensors', async (route) => {
    const response = await route.fetch();
    const body = Buffer.from(await response.body());
    body[body.length - 5] ^= 0xff; // one flipped byte inside the tensor data
    await route.fulfill({ response, body });
  });
  await page.goto('/?family=var&size=1&q=W4g32&class=1&seed=2');
  const pg = playground(page);
  const panel = pg.getByRole('alert').filter({ hasText: 'Generation failed' });
  await expect(panel).toContainText('mnist-var-d1');
  await expect(panel).toContainText('What to do');
  // Message and fix are printed once each: the message must not repeat the fix under it.
  const fix = (await panel.locator('.error-fix').innerText()).replace(/^What to do:\s*/, '');
  expect(fix.length).toBeGreaterThan(10);
  await expect(panel.locator('.error-message')).not.toContainText(fix);
  await pg.getByLabel('Model size').selectOption('2');
  await expect(cell(page, 'W4g32')).toBeVisible();
  await expect(panel).toHaveCount(0);
  // The explorer, a different feature, still works too.
  const explorer = page.getByRole('region', { name: 'Number formats on the GPU' });
  await explorer.getByRole('button', { name: 'Quantize and run on GPU' }).click();
  await expect(page.getByTestId('explorer-result')).toBeVisible();
});

test('a lost GPU device shows what happened and a restart; after it, generation works again', async ({ page }) => {
  // Test hook injected into the engine worker (the app has none): it keeps the worker's GPUDevice and destroys it
  // when the page says so on a BroadcastChannel, as a driver reset or a GPU process crash would.
  await page.route('**/*engine.worker*', async (route) => {
    const response = await route.fetch();
    const hook = `{
      const request = GPUAdapter.prototype.requestDevice;
      let device;
      GPUAdapter.prototype.requestDevice = async function (...args) { device = await request.apply(this, args); return device; };
      new BroadcastChannel('e2e-gpu').onmessage = () => device?.destroy();
    }\n`;
    await route.fulfill({ response, body: hook + (await response.text()) });
  });
  await page.goto('/?family=var&size=1&q=W3g32&class=6&seed=2');
  const pg = playground(page);
  await expect(cell(page, 'W3g32')).toBeVisible();

  await page.evaluate(() => new BroadcastChannel('e2e-gpu').postMessage('lose'));
  const lost = page.getByRole('alert').filter({ hasText: 'The GPU device was lost' });
  await expect(lost).toBeVisible();
  // What was on screen stays, and the controls still work.
  await expect(cell(page, 'W3g32')).toBeVisible();
  await pg.getByLabel('Seed').fill('3');

  await lost.getByRole('button', { name: 'Restart GPU' }).click();
  await expect(page.getByTestId('gpu-ready')).toBeVisible();
  await expect(
    pg.getByRole('row', { name: /seed 3/ }).locator('figure.sample-cell[data-setting="W3g32"]'),
  ).toBeVisible();
});

test('a setting another column already shows is refused with a message; the columns stay distinct', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await page.goto('/?family=var&size=1&q=W4g32,W2g32&class=3&seed=5');
  const pg = playground(page);
  await expect(cell(page, 'W2g32')).toContainText(/PSNR|identical/);
  // Column 1 (W4 g32) to 2-bit weights: column 2 is W2 g32 already.
  await pg.getByLabel('Weight bits').selectOption('2');
  const notice = pg.getByRole('status', { name: 'Setting already shown' });
  await expect(notice).toHaveText(
    'W2 g32 is already column 2, so column 1 stays W4 g32: pick another setting, or select column 2 to edit it.',
  );
  await expect(pg.getByLabel('Weight bits')).toHaveValue('4');
  await expect(page).toHaveURL(/q=W4g32,W2g32&/);
  await expect(pg.getByRole('button', { name: /^\d\. / })).toHaveText(['1. W4 g32', '2. W2 g32']);
  await expect(pg.locator('.sample-grid thead th')).toHaveText(['Row', 'fp32 (reference)', 'W4 g32', 'W2 g32']);
  await expect(cell(page, 'W2g32')).toHaveCount(1);
  // Another setting is accepted and answers the notice.
  await pg.getByLabel('Weight bits').selectOption('3');
  await expect(notice).toHaveCount(0);
  await expect(page).toHaveURL(/q=W3g32,W2g32&/);
  // Through another control too: column 2 to 3-bit, then to 8-bit activations (new), then back is refused again.
  await pg.getByRole('button', { name: '2. W2 g32' }).click();
  await pg.getByLabel('Weight bits').selectOption('3');
  await expect(notice).toContainText('W3 g32 is already column 1');
  await pg.getByLabel('Activation bits').selectOption('8');
  await expect(page).toHaveURL(/q=W3g32,W2g32-A8&/);
  await expect(cell(page, 'W2g32-A8')).toContainText(/PSNR|identical/);
  expect(errors).toEqual([]);
});

test('a column whose setting the engine refuses shows its error and fix; the other columns still generate', async ({
  page,
}) => {
  const errors = watchErrors(page);
  // -tg<k> groups activation scales per timestep: VAR has none, so the engine refuses that column alone.
  await page.goto('/?family=var&size=1&q=W4g32-A8-tg4,W4g32&class=3&seed=5');
  const pg = playground(page);
  await expect(cell(page, 'fp32')).toBeVisible({ timeout: 120_000 });
  await expect(cell(page, 'W4g32')).toBeVisible();
  await expect(cell(page, 'W4g32')).toContainText(/PSNR|identical/);
  const refused = pg.locator('.sample-refused[data-setting="W4g32-A8-tg4"]');
  await expect(refused).toBeVisible();
  await expect(refused).toHaveAttribute('data-code', 'setting-unsupported');
  await expect(refused.getByRole('alert')).toContainText('-tg');
  await expect(refused.getByRole('alert')).toContainText(/What to do: .*Drop -tg/);
  // The request did not fail: this cell's panel is the only error on the page.
  await expect(pg.getByRole('alert')).toHaveCount(1);
  await pg.locator('.sample-grid-wrap').screenshot({ path: test.info().outputPath('refused-column.png') });
  expect(errors).toEqual([]);
});
