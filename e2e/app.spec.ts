import { expect, test } from '@playwright/test';
import { watchErrors } from './pageErrors.ts';

test('renders, finds a WebGPU adapter, and runs a quantised kernel that matches the reference', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Quantized generation playground' })).toBeVisible();
  await expect(page.getByTestId('gpu-ready')).toBeVisible();
  // The playground has controls with the same names; these belong to the format explorer.
  const explorer = page.getByRole('region', { name: 'Number formats on the GPU' });

  await explorer.getByLabel('Weight format').selectOption('int');
  await explorer.getByLabel('Weight bits').selectOption('3');
  await explorer.getByLabel('Group size').selectOption('g32');
  await page.getByRole('button', { name: 'Quantize and run on GPU' }).click();
  const result = page.getByTestId('explorer-result');
  await expect(result).toBeVisible();
  const kernelError = Number(await page.getByTestId('kernel-error').textContent());
  expect(kernelError).toBeLessThan(1e-4);
  // INT3 with groups of 32: 3 + 16/32 bits per weight.
  await expect(result.getByText('3.500', { exact: true })).toBeVisible();

  // FP4 through the same kernel: 4 + 16/128 bits per weight.
  await explorer.getByLabel('Weight format').selectOption('fp');
  await explorer.getByLabel('Weight bits').selectOption('fp4');
  await explorer.getByLabel('Group size').selectOption('g128');
  await page.getByRole('button', { name: 'Quantize and run on GPU' }).click();
  await expect(result.getByText('4.125', { exact: true })).toBeVisible();
  expect(Number(await page.getByTestId('kernel-error').textContent())).toBeLessThan(1e-4);
  expect(errors).toEqual([]);
});

test('shows what to do when WebGPU is missing, and the rest of the page still works', async ({ page }) => {
  // Hide WebGPU from both the page and its workers before any script runs.
  await page.addInitScript(() => {
    Object.defineProperty(Object.getPrototypeOf(navigator), 'gpu', { get: () => undefined, configurable: true });
  });
  await page.route('**/*engine.worker*', async (route) => {
    const response = await route.fetch();
    const body = `Object.defineProperty(Object.getPrototypeOf(navigator), 'gpu', { get: () => undefined });\n${await response.text()}`;
    await route.fulfill({ response, body });
  });
  await page.goto('/');
  const panel = page.getByRole('alert').filter({ hasText: 'WebGPU is not available' });
  await expect(panel).toContainText('--enable-unsafe-webgpu');
  await expect(page.getByRole('button', { name: 'Restart GPU' })).toBeVisible();
  // The rest of the page stays usable: controls respond and the model list still loads (no GPU needed).
  const playground = page.getByRole('region', { name: /Generate: full precision/ });
  await playground.getByLabel('Weight bits').selectOption('3');
  await expect(playground.getByRole('button', { name: /^1\. W3 g32/ })).toBeVisible();
  await expect(playground.getByLabel('Model size')).toContainText('depth 2');
  await expect(page.getByRole('region', { name: 'Number formats on the GPU' }).getByLabel('Weight bits')).toBeEnabled();
});
