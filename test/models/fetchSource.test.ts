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
    if (bytes)
      return new Response(bytes.slice(), { status: 200, headers: { 'content-type': 'application/octet-stream' } });
    if (missing === 'status-404') return new Response('not found', { status: 404 });
    return new Response('<!doctype html><html></html>', { status: 200, headers: { 'content-type': 'text/html' } });
  }) as typeof fetch;
}

describe('FetchBundleSource', () => {
  it('validates every fixture bundle over HTTP, requesting paths under the base URL', async () => {
    const requested: string[] = [];
    const { results } = await validateAllBundles(
      new FetchBundleSource(BASE.slice(0, -1), fakeFetch('status-404', requested)),
    );
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(requested).toContain(`${BASE}fx-var/weights.safetensors`);
    expect(requested.every((u) => u.startsWith(BASE))).toBe(true);
  });

  it('a 404 is missing-file naming the path and the status', async () => {
    const src = new FetchBundleSource(BASE, fakeFetch('status-404'));
    await expectBundleError(
      src.readBytes('fx-var/nope.safetensors'),
      'missing-file',
      'fx-var/nope.safetensors',
      'HTTP 404',
    );
  });

  it("Vite's index.html answer for a missing file is missing-file, not a JSON error", async () => {
    const src = new FetchBundleSource(BASE, fakeFetch('html-fallback'));
    await expectBundleError(
      src.readText('no-such-model/manifest.json'),
      'missing-file',
      'no-such-model/manifest.json',
      'HTML page',
    );
  });

  it('a network failure (offline, refused, CORS) is network-error, not a missing file, and does not say re-export', async () => {
    const failing = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    const err = await expectBundleError(
      new FetchBundleSource(BASE, failing).readText('index.json'),
      'network-error',
      'index.json',
      `${BASE}index.json`,
      'Failed to fetch',
      'CORS',
    );
    expect(err.file).toBe('index.json');
    expect(err.fix).toContain('Access-Control-Allow-Origin');
    expect(err.fix).not.toMatch(/export/i);
  });

  it('a 404 on a remote server says to check the URL and the upload', async () => {
    const err = await expectBundleError(
      new FetchBundleSource(BASE, fakeFetch('status-404')).readBytes('fx-var/gone.bin'),
      'missing-file',
      'HTTP 404',
    );
    expect(err.fix).toContain('?models=');
  });

  it.each([
    [403, 'Forbidden', 'permissions'],
    [503, 'Service Unavailable', 'retry'],
  ])('HTTP %i is http-error with the status, not a missing file', async (status, text, fix) => {
    const answer = (async () => new Response('no', { status, statusText: text })) as typeof fetch;
    const err = await expectBundleError(
      new FetchBundleSource(BASE, answer).readBytes('fx-var/weights.safetensors'),
      'http-error',
      `HTTP ${status} ${text}`,
      'fx-var/weights.safetensors',
    );
    expect(err.fix).toContain(fix);
  });

  it('a body shorter than its Content-Length is truncated, naming both sizes', async () => {
    const short = (async () =>
      new Response(new Uint8Array(100), { status: 200, headers: { 'content-length': '4096' } })) as typeof fetch;
    const err = await expectBundleError(
      new FetchBundleSource(BASE, short).readBytes('fx-var/weights.safetensors'),
      'truncated',
      '4096 bytes',
      '100 arrived',
    );
    expect(err.fix).toContain('reload');
  });

  it('a connection that drops while the body is read is truncated', async () => {
    const dropping = (async () => {
      let sent = false;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (!sent) {
            sent = true;
            controller.enqueue(new Uint8Array(10));
          } else controller.error(new TypeError('terminated'));
        },
      });
      return new Response(body, { status: 200 });
    }) as typeof fetch;
    await expectBundleError(
      new FetchBundleSource(BASE, dropping).readBytes('fx-var/weights.safetensors'),
      'truncated',
      'cut short',
      'terminated',
    );
  });

  it("a user's cancel stays an AbortError (not a bundle problem)", async () => {
    const aborted = (async () => {
      throw new DOMException('The operation was aborted.', 'AbortError');
    }) as typeof fetch;
    await expect(new FetchBundleSource(BASE, aborted).readBytes('index.json')).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});
