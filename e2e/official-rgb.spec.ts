import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { watchErrors } from './pageErrors.ts';

/**
 * Official 256x256 RGB images in the playground, in CI: an official-layout VAR (FoundationVision/VAR key layout,
 * depth 2, 10 scales up to 16x16, vocabulary 4096) with its tokenizer in the vae_ch160v4096z32 layout at 32
 * channels (a 16x16 latent decodes to 256x256 RGB), built at test time from random weights and converted with
 * training/convert_official.py by the CI parity fixture (training/tests/official_layout.py; nothing large is
 * committed), added as a local folder, generated at W8g32 beside its fp32. The cells show 256x256 RGB samples
 * with PSNR; what needs the MNIST classifier says it does not apply. (The fixture's DiT decodes to 64x64 only.)
 */
let root: string;
let folder: string;
const ID = 'official-var-d2';

// The fixture build (PyTorch on the CPU) and a 256x256 decode on SwiftShader take a while.
test.describe.configure({ timeout: 420_000 });

test.beforeAll(async () => {
  test.setTimeout(300_000);
  root = await mkdtemp(join(tmpdir(), 'official-rgb-'));
  folder = join(root, 'models');
  const built = spawnSync('/usr/bin/python3', ['training/tests/official_layout.py', '--out', folder], {
    encoding: 'utf8',
    timeout: 280_000,
  });
  if (built.status !== 0) throw new Error(`official_layout.py failed (${built.status}): ${built.stderr}`);
  // Only the VAR and its tokenizer (the DiT fixture is not used here).
  const indexPath = join(folder, 'index.json');
  const index = JSON.parse(await readFile(indexPath, 'utf8')) as { models: { id: string }[] };
  const keep = [ID, 'official-var-tokenizer'];
  for (const m of index.models)
    if (!keep.includes(m.id)) await rm(join(folder, m.id), { recursive: true, force: true });
  await writeFile(indexPath, JSON.stringify({ ...index, models: index.models.filter((m) => keep.includes(m.id)) }));
});

test.afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

test('an official-layout RGB VAR added from a folder generates 256x256 RGB cells with PSNR; classifier views do not apply', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await page.goto('/?family=var&size=1&q=W8g32&class=1&seed=3');
  const pg = page.getByRole('region', { name: /Generate: full precision/ });
  const grid = pg.locator('.sample-grid-wrap');
  const fp32 = pg.locator('figure.sample-cell[data-setting="fp32"]');
  const w8 = pg.locator('figure.sample-cell[data-setting="W8g32"]');
  await expect(w8).toContainText(/PSNR|identical/, { timeout: 120_000 });

  const panel = page.getByRole('region', { name: 'Your models' });
  await panel.getByLabel('Models folder').setInputFiles(folder);
  await expect(panel.locator(`tr[data-model="folder-1:${ID}"]`)).toBeVisible({ timeout: 60_000 });
  await pg.getByLabel('Model size').selectOption(`model:folder-1:${ID}`);
  await expect(grid).toHaveAttribute('data-model', `folder-1:${ID}`);
  await expect(fp32).toHaveAttribute('data-image-size', '256', { timeout: 240_000 });
  await expect(w8).toHaveAttribute('data-image-size', '256', { timeout: 240_000 });
  await expect(w8).toContainText(/PSNR [\d.]+ dB|identical to fp32/);
  // A 256x256 RGB sample: the canvas holds 256 x 256 pixels and its channels differ somewhere (not grey).
  const pixels = await fp32
    .locator('canvas')
    .first()
    .evaluate((c) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let coloured = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] !== data[i + 1] || data[i + 1] !== data[i + 2]) coloured++;
      return { width: canvas.width, height: canvas.height, coloured };
    });
  expect(pixels.width % 256).toBe(0);
  expect(pixels.height).toBe(pixels.width);
  expect(pixels.coloured).toBeGreaterThan(1000);
  // No MNIST classifier for this model: the cells say so instead of a digit guess, and nothing failed.
  await expect(fp32).toContainText('no classifier for this model');
  await expect(w8).toContainText('no classifier for this model');
  await expect(pg.getByRole('alert')).toHaveCount(0);
  await grid.screenshot({ path: test.info().outputPath('official-rgb.png') });
  expect(errors).toEqual([]);
});
