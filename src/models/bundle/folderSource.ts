/**
 * Bundles from a folder on the user's disk (a folder picker or a drop): the same BundleSource the validator reads
 * over HTTP, over File objects. The folder may be the models root itself or any folder above it: the root is where
 * the shallowest index.json lies, so dropping `public/models` or the project folder both work.
 */
import { BundleError } from './errors.ts';
import { INDEX_FILE } from './bundleIndex.ts';
import type { BundleSource } from './source.ts';

/** One file of a picked or dropped folder: its path inside the folder (`webkitRelativePath`) and its contents. */
export interface FolderFile {
  readonly path: string;
  readonly file: Blob;
}

const PICK_FIX =
  'Pick (or drop) the folder that holds index.json and one sub-folder per bundle, as python3 training/export_bundle.py or training/convert_official.py write it (e.g. public/models).';

/** Path without leading './' or '/' and with forward slashes (Windows drops give backslashes). */
function normalise(path: string): string {
  return path.replace(/\\/g, '/').replace(/^(\.\/|\/)+/, '');
}

export class FolderBundleSource implements BundleSource {
  readonly label: string;
  private readonly files: ReadonlyMap<string, Blob>;
  /** Bytes of every file under the root (what the folder adds). */
  readonly totalBytes: number;

  private constructor(label: string, files: ReadonlyMap<string, Blob>) {
    this.label = label;
    this.files = files;
    this.totalBytes = [...files.values()].reduce((n, f) => n + f.size, 0);
  }

  /**
   * The source rooted at the folder of the shallowest index.json. Throws BundleError 'missing-file' (file
   * index.json) when no file of the folder is an index.json.
   */
  static fromFiles(files: readonly FolderFile[], folderName: string): FolderBundleSource {
    const paths = files.map((f) => normalise(f.path));
    const indexes = paths
      .filter((p) => p === INDEX_FILE || p.endsWith(`/${INDEX_FILE}`))
      .sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
    const label = `folder ${folderName}`;
    if (indexes.length === 0) {
      const shown = paths.slice(0, 3).join(', ');
      throw new BundleError(
        'missing-file',
        `the ${label} has no index.json (${files.length} file${files.length === 1 ? '' : 's'}${shown ? `: ${shown}${files.length > 3 ? ', ...' : ''}` : ''}).`,
        {
          file: INDEX_FILE,
          fix: PICK_FIX,
        },
      );
    }
    const root = indexes[0].slice(0, indexes[0].length - INDEX_FILE.length);
    const byPath = new Map<string, Blob>();
    files.forEach((f, i) => {
      if (paths[i].startsWith(root)) byPath.set(paths[i].slice(root.length), f.file);
    });
    // A picker's paths start with the picked folder's own name; say the root only when it lies deeper.
    const inner = root.replace(/\/$/, '');
    return new FolderBundleSource(inner && inner !== folderName ? `${label} (${inner})` : label, byPath);
  }

  async readText(path: string): Promise<string> {
    return new TextDecoder().decode(await this.readBytes(path));
  }

  async readBytes(path: string): Promise<Uint8Array> {
    const file = this.files.get(path);
    if (!file) {
      throw new BundleError('missing-file', `not in the ${this.label}.`, {
        file: path,
        fix: `Copy the whole bundle folder (every file its manifest lists) into the folder, or remove the bundle from index.json. ${PICK_FIX}`,
      });
    }
    try {
      return new Uint8Array(await file.arrayBuffer());
    } catch (e) {
      // A file deleted or changed on disk after it was picked cannot be read any more (NotReadableError).
      throw new BundleError(
        'missing-file',
        `could not be read from the ${this.label} (${e instanceof Error ? e.message : String(e)}).`,
        {
          file: path,
          fix: 'The file changed or was removed after the folder was picked: pick the folder again.',
        },
      );
    }
  }
}
