import { expect, test, type Locator, type Page } from '@playwright/test';
import { watchErrors } from './pageErrors.ts';

function playground(page: Page): Locator {
  return page.getByRole('region', { name: /Generate: full precision/ });
}

function cell(page: Page, setting: string): Locator {
  return playground(page).locator(`figure.sample-cell[data-setting="${setting}"]`);
}

test('-lr<r> from a link and from the Low-rank branch select generates on both families', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = watchErrors(page);
  await page.goto('/?family=var&size=1&q=W4g32-A4-lr16&class=3&seed=5');
  const pg = playground(page);
  await expect(cell(page, 'W4g32-A4-lr16')).toContainText(/PSNR|identical/, { timeout: 120_000 });
  if (process.env.LOW_RANK_SCREENSHOT) await pg.screenshot({ path: process.env.LOW_RANK_SCREENSHOT + '-var.png' });
  await pg.getByLabel('Low-rank branch').selectOption('8');
  await expect(page).toHaveURL(/q=W4g32-A4-lr8/);
  await expect(cell(page, 'W4g32-A4-lr8')).toContainText(/PSNR|identical/, { timeout: 120_000 });

  await pg.getByLabel('Family').selectOption('dit');
  await pg.getByLabel('Steps').fill('5');
  await expect(page).toHaveURL(/family=dit.*steps=5/);
  await expect(cell(page, 'W4g32-A4-lr8')).toContainText(/PSNR|identical/, { timeout: 120_000 });
  if (process.env.LOW_RANK_SCREENSHOT) await pg.screenshot({ path: process.env.LOW_RANK_SCREENSHOT + '-dit.png' });
  await pg.getByLabel('Low-rank branch').selectOption('0');
  await expect(page).toHaveURL(/q=W4g32-A4(&|$)/);
  expect(errors).toEqual([]);
});

test('a rank larger than a Linear is reported in its column, naming the Linear and the largest rank', async ({
  page,
}) => {
  test.setTimeout(180_000);
  // dit-d1 is 32 wide: its Linears take at most rank 31; the other column still generates.
  await page.goto('/?family=dit&size=1&steps=5&q=W4g32-A4-lr32,W4g32-A4-lr8&class=3&seed=5');
  await expect(cell(page, 'W4g32-A4-lr8')).toContainText(/PSNR|identical/, { timeout: 120_000 });
  const bad = playground(page).getByRole('alert').filter({ hasText: 'W4 g32 · A4 · LR32: refused' });
  await expect(bad).toContainText(/rank 32 does not fit blocks\.0\.attn\.qkv \(96 x 32/, { timeout: 60_000 });
  await expect(bad).toContainText(/largest rank for this model's quantised Linears is 31/);
  await expect(bad).toContainText(/Use -lr31 or lower/);
});
