/** FetchBundleSource: what the app uses. Served here by a fake fetch over the fixture's files. */
import { describe, expect, it } from 'vitest';
import { FetchBundleSource, validateAllBundles } from '../../src/models/bundle/index.ts';
import { expectBundleError } from './helpers/expectError.ts';
import { buildFixtureModels } from './helpers/fixtureModels.ts';

const fixture = buildFixtureModels();
const BASE = 'http://localhost:5173/models/';

/** Serves the fixture like a static server; unknown paths get `missing` (404, or Vite's index.html fallback). */
function fakeFetch(missing: 'status-404' | 'html-fallback', requested: string[] = []): typeof fetch {
  return (async (input: RequestInfo | URL) => {
    const url = String(input);
    requested.push(url);
    const bytes = fixture.files.get(url.slice(BASE.length));
    if (bytes) return new Response(bytes.slice(), { status: 200, headers: { 'content-type': 'application/octet-stream' } });
    if (missing === 'status-404') return new Response('not found', { status: 404 });
    return new Response('<!doctype html><html></html>', { status: 200, headers: { 'content-type': 'text/html' } });
  }) as typeof fetch;
}

describe('FetchBundleSource', () => {
  it('validates every fixture bundle over HTTP, requesting paths under the base URL', async () => {
    const requested: string[] = [];
    const { results } = await validateAllBundles(new FetchBundleSource(BASE.slice(0, -1), fakeFetch('status-404', requested)));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(requested).toContain(`${BASE}fx-var/weights.safetensors`);
    expect(requested.every((u) => u.startsWith(BASE))).toBe(true);
  });

  it('a 404 is missing-file naming the path and the status', async () => {
    const src = new FetchBundleSource(BASE, fakeFetch('status-404'));
    await expectBundleError(src.readBytes('fx-var/nope.safetensors'), 'missing-file', 'fx-var/nope.safetensors', 'HTTP 404');
  });

  it("Vite's index.html answer for a missing file is missing-file, not a JSON error", async () => {
    const src = new FetchBundleSource(BASE, fakeFetch('html-fallback'));
    await expectBundleError(src.readText('no-such-model/manifest.json'), 'missing-file', 'no-such-model/manifest.json', 'HTML page');
  });

  it('a network failure is missing-file with the reason', async () => {
    const failing = (async () => {
      throw new TypeError('connection refused');
    }) as typeof fetch;
    await expectBundleError(new FetchBundleSource(BASE, failing).readText('index.json'), 'missing-file', 'connection refused');
  });
});
