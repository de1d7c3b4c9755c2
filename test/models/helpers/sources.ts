/** BundleSource implementations for tests: a folder on disk (the shipped bundles) and an editable in-memory copy. */
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { missingFileError, type BundleSource } from '../../../src/models/bundle/index.ts';

export class FsBundleSource implements BundleSource {
  constructor(readonly root: string) {}
  get label(): string {
    return this.root;
  }
  async readText(path: string): Promise<string> {
    return new TextDecoder().decode(await this.readBytes(path));
  }
  async readBytes(path: string): Promise<Uint8Array> {
    try {
      const b = await readFile(join(this.root, path));
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw missingFileError(path, this.root, 'no such file');
      throw e;
    }
  }
}

/** A models root held in memory, so corruption tests can edit files without touching public/models. */
export class MemoryBundleSource implements BundleSource {
  readonly label = 'memory';
  constructor(readonly files: Map<string, Uint8Array> = new Map()) {}

  /**
   * Copies index.json and the named bundle folders from disk; for `manifestOnly` bundles (those named in
   * `requires`) just their manifest.json, which is all the validator reads of them.
   */
  static async copyOf(root: string, ids: string[], manifestOnly: string[] = []): Promise<MemoryBundleSource> {
    const files = new Map<string, Uint8Array>();
    const add = async (rel: string): Promise<void> => {
      files.set(rel, new Uint8Array(await readFile(join(root, rel))));
    };
    await add('index.json');
    for (const id of ids) {
      for (const name of await readdir(join(root, id))) {
        if ((await stat(join(root, id, name))).isFile()) await add(`${id}/${name}`);
      }
    }
    for (const id of manifestOnly) if (!ids.includes(id)) await add(`${id}/manifest.json`);
    return new MemoryBundleSource(files);
  }

  clone(): MemoryBundleSource {
    return new MemoryBundleSource(new Map([...this.files].map(([k, v]) => [k, v.slice()])));
  }
  async readText(path: string): Promise<string> {
    return new TextDecoder().decode(await this.readBytes(path));
  }
  async readBytes(path: string): Promise<Uint8Array> {
    const b = this.files.get(path);
    if (!b) throw missingFileError(path, this.label, 'no such entry');
    return b;
  }
  json(path: string): Record<string, unknown> {
    return JSON.parse(new TextDecoder().decode(this.files.get(path)!)) as Record<string, unknown>;
  }
  setJson(path: string, value: unknown): void {
    this.files.set(path, new TextEncoder().encode(JSON.stringify(value, null, 2)));
  }
}

export function sha256Sync(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes an in-memory models root to a folder (to exercise the fs source end to end). */
export async function writeToDir(src: MemoryBundleSource, dir: string): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  for (const [path, bytes] of src.files) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), bytes);
  }
}
