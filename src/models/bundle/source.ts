/**
 * Where bundle files come from. The validator only needs "read this path as text / bytes", so the app reads
 * over HTTP (`FetchBundleSource`) and the tests read from disk or memory (test/models/helpers) with the same
 * checks. Paths are relative to the models root (`public/models/` on disk, `<base>/models/` when served).
 */
import { BundleError } from './errors.ts';

export interface BundleSource {
  /** A human label for error messages, e.g. the base URL or folder. */
  readonly label: string;
  /**
   * Throws BundleError: 'missing-file' when the file does not exist; over HTTP also 'network-error' (no answer:
   * offline, CORS), 'http-error' (another error status) and 'truncated' (the download was cut short).
   */
  readText(path: string): Promise<string>;
  /** As readText. */
  readBytes(path: string): Promise<Uint8Array>;
}

export function missingFileError(path: string, where: string, detail: string): BundleError {
  return new BundleError('missing-file', `not found in ${where} (${detail}).`, {
    file: path,
    fix: 'Export the bundle again (python3 training/export_bundle.py) or remove it from index.json; if it was just exported, reload the page.',
  });
}

/** Missing on a server: the URL or the upload is what to check, not the export. */
function notOnServerError(path: string, where: string, detail: string): BundleError {
  return new BundleError('missing-file', `not found at ${where} (${detail}).`, {
    file: path,
    fix: 'Check the base URL of the models (the ?models= address) and that the whole bundle folder was uploaded; for our own bundles, export again (python3 training/export_bundle.py) or remove it from index.json.',
  });
}

/**
 * fetch() rejects without a status for every failure before an answer: offline, DNS, connection refused, and a
 * cross-origin answer without Access-Control-Allow-Origin (the browser hides which one). None of them is a
 * missing file, and re-exporting would not help.
 */
function networkError(path: string, url: string, error: unknown): BundleError {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new BundleError(
    'network-error',
    `the request for ${url} failed before any answer (${reason}): the server is unreachable, or it is on another origin and does not allow this page (CORS).`,
    {
      file: path,
      fix: 'Check the network and that the server is running and reachable from this page; a server on another origin must send Access-Control-Allow-Origin for this page (e.g. npx http-server --cors), or copy the bundles next to the app.',
    },
  );
}

function httpError(path: string, url: string, res: Response): BundleError {
  return new BundleError(
    'http-error',
    `the server answered ${url} with HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}.`,
    {
      file: path,
      fix:
        res.status >= 500
          ? 'The server failed: retry later or check its logs.'
          : "The server refused the request: check the server's permissions (and any login) for the models folder.",
    },
  );
}

/** The body stopped short of its Content-Length, or the connection dropped while it was read. */
function truncatedDownload(path: string, url: string, problem: string): BundleError {
  return new BundleError('truncated', `the download of ${url} was cut short: ${problem}.`, {
    file: path,
    fix: 'The connection dropped during the download: reload the page to download the file again (and check the server if it happens again).',
  });
}

const isAbort = (e: unknown): boolean => e instanceof Error && e.name === 'AbortError';

export interface FetchSourceOptions {
  /** Called as each chunk of a body arrives: bytes so far and the announced total (Content-Length), if any. */
  readonly onBytes?: (path: string, received: number, total: number | undefined) => void;
  /** Aborts every request of this source (a user's cancel); reads then reject with an AbortError. */
  readonly signal?: AbortSignal;
}

/** Reads bundles over HTTP relative to `baseUrl` (e.g. `${import.meta.env.BASE_URL}models/`). */
export class FetchBundleSource implements BundleSource {
  readonly label: string;
  private readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;
  private readonly options: FetchSourceOptions;

  constructor(
    baseUrl: string,
    fetchFn: typeof fetch = globalThis.fetch.bind(globalThis),
    options: FetchSourceOptions = {},
  ) {
    this.baseUrl = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    this.label = this.baseUrl;
    this.fetchFn = fetchFn;
    this.options = options;
  }

  /** The absolute URL of a path inside the models root (the key a cache stores it under). */
  urlOf(path: string): string {
    return this.baseUrl + path;
  }

  async readText(path: string): Promise<string> {
    return new TextDecoder().decode(await this.readBytes(path));
  }

  async readBytes(path: string): Promise<Uint8Array> {
    const url = this.baseUrl + path;
    const res = await this.get(path, url);
    let bytes: Uint8Array;
    try {
      bytes = await this.body(path, res);
    } catch (e) {
      // A user's cancel is not a bundle problem: let it through as the AbortError it is.
      if (isAbort(e)) throw e;
      throw truncatedDownload(
        path,
        url,
        `the connection failed while the body was read (${e instanceof Error ? e.message : String(e)})`,
      );
    }
    // Content-Length counts encoded bytes; with a content-encoding (gzip) the decoded body is longer, not shorter.
    const announced = Number(res.headers.get('content-length') ?? Number.NaN);
    if (!res.headers.get('content-encoding') && Number.isSafeInteger(announced) && bytes.byteLength < announced) {
      throw truncatedDownload(
        path,
        url,
        `the server announced ${announced} bytes (Content-Length) and ${bytes.byteLength} arrived`,
      );
    }
    return bytes;
  }

  /** The whole body; chunk by chunk when someone watches the bytes arrive (a progress bar). */
  private async body(path: string, res: Response): Promise<Uint8Array> {
    const onBytes = this.options.onBytes;
    if (!onBytes || !res.body) return new Uint8Array(await res.arrayBuffer());
    const announced = Number(res.headers.get('content-length') ?? Number.NaN);
    const total = Number.isSafeInteger(announced) && !res.headers.get('content-encoding') ? announced : undefined;
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let received = 0;
    onBytes(path, 0, total);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.byteLength;
      onBytes(path, received, total);
    }
    const bytes = new Uint8Array(received);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.byteLength;
    }
    return bytes;
  }

  private async get(path: string, url: string): Promise<Response> {
    let res: Response;
    try {
      res = await this.fetchFn(url, this.options.signal ? { signal: this.options.signal } : undefined);
    } catch (e) {
      if (isAbort(e)) throw e;
      throw networkError(path, url, e);
    }
    if (res.status === 404 || res.status === 410) throw notOnServerError(path, this.label, `HTTP ${res.status}`);
    if (!res.ok) throw httpError(path, url, res);
    // Vite's dev server (and many static hosts) answer a missing file with the app's index.html and status 200;
    // without this check a missing manifest would surface as a baffling JSON error.
    const type = res.headers.get('content-type') ?? '';
    if (type.includes('text/html') && !path.endsWith('.html')) {
      throw notOnServerError(path, this.label, 'the server answered with an HTML page, its fallback for missing files');
    }
    return res;
  }
}
