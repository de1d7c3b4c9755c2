import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { watchErrors } from './pageErrors.ts';

/**
 * Bring your own bundles: a copy of shipped bundles (var-d1, its tokenizer and the classifier) in a temp folder,
 * added through the folder picker and through ?models= (served from that folder by route interception on a
 * test-only path of the preview server's origin, so requests can be counted), listed, generated with, kept in
 * Cache Storage across a reload (no second download), then cleared. Nothing under public/models is touched.
 */
const COPIED = ['mnist-var-d1', 'mnist-vqvae', 'mnist-classifier'];
const ZOO_PATH = '/byo-e2e/zoo/';

let folder: string;
let root: string;

test.beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'byo-models-'));
  folder = join(root, 'my-models');
  for (const id of COPIED) await cp(join('public/models', id), join(folder, id), { recursive: true });
  const index = JSON.parse(await readFile('public/models/index.json', 'utf8')) as { models: { id: string }[] };
  await writeFile(
    join(folder, 'index.json'),
    JSON.stringify({ ...index, models: index.models.filter((m) => COPIED.includes(m.id)) }, null, 2),
  );
});

test.afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Serves the copy under ZOO_PATH (worker requests included) and counts each file's requests. */
async function serveCopy(page: Page, counts: Map<string, number>, cors = true, delayMs = 0): Promise<void> {
  // A predicate on the path: a glob would also match the page itself, whose ?models= names the same path.
  await page.context().route(
    (url) => url.pathname.startsWith(ZOO_PATH),
    async (route) => {
      const path = new URL(route.request().url()).pathname.slice(ZOO_PATH.length);
      counts.set(path, (counts.get(path) ?? 0) + 1);
      if (!cors) return route.abort('failed');
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      try {
        const body = await readFile(join(folder, path));
        await route.fulfill({
          status: 200,
          body,
          headers: {
            'content-type': path.endsWith('.json') ? 'application/json' : 'application/octet-stream',
            'content-length': String(body.byteLength),
          },
        });
      } catch {
        await route.fulfill({ status: 404, body: 'not found' });
      }
    },
  );
}

const sources = (page: Page) => page.getByRole('region', { name: 'Your models' });
/** The playground runs its own view on load in the same engine queue: the smallest one keeps it short. */
const LIGHT_VIEW = 'family=var&size=1&q=W8g32';

// Model loads and generations queue behind the playground's own run on SwiftShader.
test.describe.configure({ timeout: 300_000 });

test('a copied bundle from ?models= downloads once with progress, generates, comes from the cache after a reload, and is cleared', async ({
  page,
}) => {
  const errors = watchErrors(page);
  const counts = new Map<string, number>();
  await serveCopy(page, counts);
  await page.goto(`/?${LIGHT_VIEW}&models=${ZOO_PATH}`);
  const panel = sources(page);
  const row = panel.locator('tr[data-model="url-1:mnist-var-d1"]');
  await expect(row).toBeVisible({ timeout: 60_000 });
  await expect(row).toContainText(`URL http://127.0.0.1:4173${ZOO_PATH}`);
  await expect(row).toContainText(/downloaded \d/);
  await expect(panel.locator('tr[data-origin="shipped"]').first()).toBeVisible();
  const weights = 'mnist-var-d1/weights.safetensors';
  expect(counts.get(weights)).toBe(1);
  await expect(panel.getByTestId('download-cache')).toContainText(/\d+ downloaded files kept/);

  await row.getByRole('button', { name: 'Generate a sample' }).click();
  await expect(row.getByRole('img', { name: 'Sample of url-1:mnist-var-d1' })).toBeVisible({ timeout: 90_000 });
  await expect(row).toContainText('top-k');

  // A reload adds the same URL again (it is in the link): every file from Cache Storage, none downloaded.
  const before = [...counts.values()].reduce((a, b) => a + b, 0);
  await page.reload();
  await expect(panel.locator('tr[data-model="url-1:mnist-var-d1"]')).toContainText('from the download cache', {
    timeout: 60_000,
  });
  await expect(panel.locator('tr[data-model="url-1:mnist-var-d1"]')).not.toContainText('downloaded');
  expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(before);

  const clear = panel.getByRole('button', { name: /Clear downloaded models \(frees [\d.]+ (MB|kB)\)/ });
  await expect(clear).toBeEnabled();
  await clear.click();
  await expect(panel).toContainText(/Freed [\d.]+ (MB|kB) \(\d+ files\)/);
  await expect(panel.getByTestId('download-cache')).toHaveText(/No downloaded models are kept/);
  await expect(panel.locator('tr[data-origin="url"]')).toHaveCount(0);
  await expect(page).not.toHaveURL(/models=/);
  expect(errors).toEqual([]);
});

test('a folder picked with the folder picker is listed by its folder and generates; a folder without index.json says what to pick', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await page.goto(`/?${LIGHT_VIEW}`);
  const panel = sources(page);
  await panel.getByLabel('Models folder').setInputFiles(folder);
  const row = panel.locator('tr[data-model="folder-1:mnist-var-d1"]');
  await expect(row).toBeVisible({ timeout: 60_000 });
  await expect(row).toContainText('folder my-models');
  await row.getByRole('button', { name: 'Generate a sample' }).click();
  await expect(row.getByRole('img', { name: 'Sample of folder-1:mnist-var-d1' })).toBeVisible({ timeout: 90_000 });

  // The bundle folder itself (no index.json in it): a clear error naming index.json, and the list stays.
  await panel.getByLabel('Models folder').setInputFiles(join(folder, 'mnist-var-d1'));
  const alert = panel.getByRole('alert');
  await expect(alert).toContainText('index.json');
  await expect(alert).toContainText('folder that holds index.json');
  await expect(row).toBeVisible();
  expect(errors).toEqual([]);
});

test('a URL that fails (network error, as without CORS) is reported with the fix, and the shipped models keep working', async ({
  page,
}) => {
  const errors = watchErrors(page);
  const counts = new Map<string, number>();
  await serveCopy(page, counts, false);
  await page.goto(`/?${LIGHT_VIEW}`);
  const panel = sources(page);
  await panel.getByLabel('Models URL').fill(`http://127.0.0.1:4173${ZOO_PATH}`);
  await panel.getByRole('button', { name: 'Add URL' }).click();
  const alert = panel.getByRole('alert');
  await expect(alert).toContainText('index.json');
  await expect(alert).toContainText('CORS');
  await expect(panel.locator('tr[data-origin="shipped"]').first()).toBeVisible();
  // The playground's shipped model still generates.
  const playground = page.getByRole('region', { name: /Generate: full precision/ });
  await expect(playground.getByRole('figure', { name: /reference looks like \d/ })).toBeVisible({ timeout: 120_000 });
  // The failed request is a console error of the browser's own; anything else is not expected.
  expect(errors.filter((e) => !e.includes('Failed to load resource') && !e.includes('net::ERR_FAILED'))).toEqual([]);
});

test('a slow download shows bytes, rate and a Cancel that keeps nothing', async ({ page }) => {
  const errors = watchErrors(page);
  const counts = new Map<string, number>();
  await serveCopy(page, counts, true, 400);
  await page.goto(`/?${LIGHT_VIEW}`);
  const panel = sources(page);
  await panel.getByLabel('Models URL').fill(`http://127.0.0.1:4173${ZOO_PATH}`);
  await panel.getByRole('button', { name: 'Add URL' }).click();
  const bar = panel.getByRole('progressbar', { name: /Downloading/ });
  await expect(bar).toBeVisible();
  // Bytes of the manifests' total, and a rate, once the first files arrived.
  await expect(panel.getByTestId('download-bytes')).toHaveText(
    /[\d.]+ (B|kB|MB) of [\d.]+ (kB|MB), [\d.]+ (B|kB|MB)\/s/,
  );
  await panel.getByRole('button', { name: 'Cancel' }).click();
  await expect(bar).toHaveCount(0);
  await expect(panel.locator('tr[data-origin="url"]')).toHaveCount(0);
  await expect(panel.getByRole('alert')).toHaveCount(0);
  await expect(panel.getByTestId('download-cache')).toHaveText(/No downloaded models are kept/);
  expect(errors).toEqual([]);
});
