import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { watchErrors } from './pageErrors.ts';

/**
 * Bring your own bundles: a copy of shipped bundles (var-d1, its tokenizer and the classifier) in a temp folder,
 * added through the folder picker, a drop on the drop zone and ?models= (served from that folder by route
 * interception on a test-only path of the preview server's origin, so requests can be counted), listed,
 * generated with (in "Your models" and in the playground's picker), kept in Cache Storage across a reload (no
 * second download), then cleared. Nothing under public/models is touched.
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

const playground = (page: Page) => page.getByRole('region', { name: /Generate: full precision/ });

async function fp32Image(page: Page): Promise<string> {
  return playground(page)
    .locator('figure.sample-cell[data-setting="fp32"] canvas')
    .first()
    .evaluate((c) => (c as HTMLCanvasElement).toDataURL());
}

test('a model added from a folder is picked in the playground under its folder, generates beside its own fp32, and goes back to the shipped one when removed', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await page.goto(`/?${LIGHT_VIEW}`);
  const pg = playground(page);
  const grid = pg.locator('.sample-grid-wrap');
  const w8 = pg.locator('figure.sample-cell[data-setting="W8g32"]');
  // The shipped var-d1 first: the copy has the same weights, so its fp32 sample must be the same image.
  await expect(grid).toHaveAttribute('data-model', 'mnist-var-d1');
  await expect(w8).toContainText(/PSNR|identical/, { timeout: 120_000 });
  const shippedImage = await fp32Image(page);

  const panel = sources(page);
  await panel.getByLabel('Models folder').setInputFiles(folder);
  await expect(panel.locator('tr[data-model="folder-1:mnist-var-d1"]')).toBeVisible({ timeout: 60_000 });
  const picker = pg.getByLabel('Model size');
  await expect(picker.locator('optgroup[label="Shipped with the app"] option').first()).toHaveText(/^depth 1 /);
  // Students and decoders are not generators to pick; the added generator is named without its source prefix.
  await expect(picker.locator('optgroup[label="folder my-models"] option')).toHaveText([/^mnist-var-d1 \(/]);

  await picker.selectOption('model:folder-1:mnist-var-d1');
  await expect(page).toHaveURL(/model=folder-1(:|%3A)mnist-var-d1/);
  await expect(grid).toHaveAttribute('data-model', 'folder-1:mnist-var-d1');
  await expect(w8).toContainText(/PSNR|identical/, { timeout: 120_000 });
  await expect(w8).toContainText(/\d+ of 30 tokens as fp32/);
  await expect(pg.locator('figure.sample-cell[data-setting="fp32"]')).toContainText(/looks like \d/);
  expect(await fp32Image(page)).toBe(shippedImage);
  await expect(picker).toHaveValue('model:folder-1:mnist-var-d1');

  await panel.getByRole('button', { name: 'Remove folder my-models' }).click();
  await expect(grid).toHaveAttribute('data-model', 'mnist-var-d1');
  await expect(picker).toHaveValue('1');
  await expect(page).not.toHaveURL(/model=/);
  await expect(pg.getByRole('alert')).toHaveCount(0);
  expect(errors).toEqual([]);
});

/** Every file under `dir`, as paths relative to it with '/' separators. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) =>
      join(e.parentPath, e.name)
        .slice(dir.length + 1)
        .split('\\')
        .join('/'),
    );
}

test('a models folder dropped on the drop zone is walked like the folder picker and listed', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(`/?${LIGHT_VIEW}`);
  const panel = sources(page);
  const zone = panel.getByTestId('model-drop-zone');
  const files = await Promise.all(
    (await filesUnder(folder)).map(async (path) => ({
      path,
      base64: (await readFile(join(folder, path))).toString('base64'),
    })),
  );
  // Chromium gives a dropped folder as a directory entry (webkitGetAsEntry) whose reader answers in batches
  // until an empty one; a DataTransfer built in the page has no entries (no file system behind it), so the
  // drop carries the same shape built from the files' bytes: a "my-models" directory, batches of 2.
  await zone.evaluate((el, list) => {
    type Entry = { name: string; isFile: boolean; isDirectory: boolean; [k: string]: unknown };
    const dir = (name: string): Entry & { children: Entry[] } => {
      const children: Entry[] = [];
      return {
        name,
        isFile: false,
        isDirectory: true,
        children,
        createReader: () => {
          let at = 0;
          return {
            readEntries: (ok: (batch: Entry[]) => void) => {
              const batch = children.slice(at, at + 2);
              at += batch.length;
              setTimeout(() => ok(batch));
            },
          };
        },
      };
    };
    const root = dir('my-models');
    for (const { path, base64 } of list) {
      const parts = path.split('/');
      let parent = root;
      for (const part of parts.slice(0, -1)) {
        let child = parent.children.find((c) => c.name === part) as typeof root | undefined;
        if (!child) parent.children.push((child = dir(part)));
        parent = child;
      }
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const file = new File([bytes], parts[parts.length - 1]);
      parent.children.push({
        name: file.name,
        isFile: true,
        isDirectory: false,
        file: (ok: (f: File) => void) => ok(file),
      });
    }
    const transfer = { items: [{ kind: 'file', webkitGetAsEntry: () => root }], files: [], types: ['Files'] };
    for (const type of ['dragover', 'drop']) {
      const event = new DragEvent(type, { bubbles: true, cancelable: true });
      Object.defineProperty(event, 'dataTransfer', { value: transfer });
      el.dispatchEvent(event);
    }
  }, files);
  const row = panel.locator('tr[data-model="folder-1:mnist-var-d1"]');
  await expect(row).toBeVisible({ timeout: 60_000 });
  await expect(row).toContainText('folder my-models');
  await expect(zone).not.toHaveClass(/dragging/);
  await expect(panel.locator('tr[data-model="folder-1:mnist-classifier"]')).toBeVisible();
  await expect(panel.getByRole('alert')).toHaveCount(0);
  expect(errors).toEqual([]);
});
