/**
 * Where bundle files come from. The validator only needs "read this path as text / bytes", so the app reads
 * over HTTP (`FetchBundleSource`) and the tests read from disk or memory (test/models/helpers) with the same
 * checks. Paths are relative to the models root (`public/models/` on disk, `<base>/models/` when served).
 */
import { BundleError } from './errors.ts';

export interface BundleSource {
  /** A human label for error messages, e.g. the base URL or folder. */
  readonly label: string;
  /** Throws BundleError 'missing-file' when the file does not exist. */
  readText(path: string): Promise<string>;
  /** Throws BundleError 'missing-file' when the file does not exist. */
  readBytes(path: string): Promise<Uint8Array>;
}

export function missingFileError(path: string, where: string, detail: string): BundleError {
  return new BundleError('missing-file', `not found in ${where} (${detail}).`, {
    file: path,
    fix: 'Export the bundle again (python3 training/export_bundle.py) or remove it from index.json; if it was just exported, reload the page.',
  });
}

/** Reads bundles over HTTP relative to `baseUrl` (e.g. `${import.meta.env.BASE_URL}models/`). */
export class FetchBundleSource implements BundleSource {
  readonly label: string;
  private readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;

  constructor(baseUrl: string, fetchFn: typeof fetch = globalThis.fetch.bind(globalThis)) {
    this.baseUrl = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    this.label = this.baseUrl;
    this.fetchFn = fetchFn;
  }

  async readText(path: string): Promise<string> {
    return (await this.get(path)).text();
  }

  async readBytes(path: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.get(path)).arrayBuffer());
  }

  private async get(path: string): Promise<Response> {
    let res: Response;
    try {
      res = await this.fetchFn(this.baseUrl + path);
    } catch (e) {
      throw missingFileError(path, this.label, `request failed: ${(e as Error).message}`);
    }
    if (!res.ok) throw missingFileError(path, this.label, `HTTP ${res.status}`);
    // Vite's dev server (and many static hosts) answer a missing file with the app's index.html and status 200;
    // without this check a missing manifest would surface as a baffling JSON error.
    const type = res.headers.get('content-type') ?? '';
    if (type.includes('text/html') && !path.endsWith('.html')) {
      throw missingFileError(path, this.label, 'the server answered with an HTML page, its fallback for missing files');
    }
    return res;
  }
}
