/**
 * The app itself on the dev server, where React reports what the production build keeps quiet (duplicate keys,
 * effects that misbehave under StrictMode). The playground's column edits must not give React duplicate keys.
 */
import { expect, test } from '@playwright/test';
import { watchErrors } from '../pageErrors.ts';

test('editing columns towards a setting already shown gives no duplicate-key error in development React', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const errors = watchErrors(page);
  await page.goto('/?family=var&size=1&q=W4g32,W2g32&class=3&seed=5');
  const pg = page.getByRole('region', { name: /Generate: full precision/ });
  await expect(pg.getByRole('button', { name: '2. W2 g32' })).toBeVisible({ timeout: 90_000 });
  await pg.getByLabel('Weight bits').selectOption('2');
  await expect(pg.getByRole('status', { name: 'Setting already shown' })).toBeVisible();
  await pg.getByRole('button', { name: 'Add setting' }).click();
  // The new column 3 is W2 g32 · A8; without the activation bits it would be column 2.
  await expect(pg.getByRole('button', { name: '3. W2 g32 · A8' })).toHaveAttribute('aria-pressed', 'true');
  await pg.getByLabel('Activation bits').selectOption('32'); // 32 = not quantised (the vocabulary's one value)
  await expect(pg.getByRole('status', { name: 'Setting already shown' })).toContainText(
    'W2 g32 is already column 2, so column 3 stays W2 g32 · A8',
  );
  await expect(pg.getByRole('button', { name: /^\d\. / })).toHaveCount(3);
  await expect(pg.locator('figure.sample-cell[data-setting="fp32"]')).toBeVisible({ timeout: 120_000 });
  expect(errors.filter((e) => /same key|unique "key"/.test(e))).toEqual([]);
  expect(errors).toEqual([]);
});
