import { expect, test, type Locator, type Page } from '@playwright/test';
import { watchErrors } from './pageErrors.ts';

function playground(page: Page): Locator {
  return page.getByRole('region', { name: /Generate: full precision/ });
}

function cell(page: Page, setting: string): Locator {
  return playground(page).locator(`figure.sample-cell[data-setting="${setting}"]`);
}

test('the Hadamard rotation checkbox adds -had to a column, and both families generate with it', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/?family=var&size=1&q=W4g32-A4&class=3&seed=5');
  const pg = playground(page);
  await expect(cell(page, 'W4g32-A4')).toContainText(/PSNR|identical/);
  await pg.getByLabel('Hadamard rotation').check();
  await expect(page).toHaveURL(/q=W4g32-A4-had/);
  await expect(cell(page, 'W4g32-A4-had')).toContainText(/PSNR|identical/);
  await expect(cell(page, 'W4g32-A4-had')).toContainText(/\d+ of 30 tokens as fp32/);

  await pg.getByLabel('Family').selectOption('dit');
  await pg.getByLabel('Steps').fill('5');
  await expect(page).toHaveURL(/family=dit.*steps=5/);
  await expect(cell(page, 'W4g32-A4-had')).toContainText(/PSNR|identical/);
  await pg.getByLabel('Hadamard rotation').uncheck();
  await expect(page).toHaveURL(/q=W4g32-A4(&|$)/);
  await expect(cell(page, 'W4g32-A4')).toContainText(/PSNR|identical/);
  expect(errors).toEqual([]);
});

test('a link with a bad modifier is reported and the setting replaced', async ({ page }) => {
  await page.goto('/?family=var&size=1&q=W4g32-A4-lr0,W4g32-A4-hadx&class=3&seed=5');
  const notice = playground(page).getByRole('status', { name: 'Link problems' });
  await expect(notice).toContainText('W4g32-A4-lr0');
  await expect(notice).toContainText('whole number >= 1');
  await expect(notice).toContainText('W4g32-A4-hadx');
});
