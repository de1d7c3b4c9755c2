/**
 * Every place bundles come from: the shipped models (ids as in their index.json) and the sources the user adds,
 * a folder or a URL (ids `<source>:<bundle id>`, e.g. `url-1:mnist-var-d1`). Qualifying the ids keeps a brought
 * bundle apart from a shipped one of the same name everywhere the engine keys by id (GPU weight cache, decoders,
 * tokenizers), so a copy of a shipped bundle with other weights never reads the shipped one's buffers.
 */
import type { BundleSource, ValidatedBundle } from '../../models/bundle/index.ts';
import type { Manifest } from '../../models/bundle/types.ts';
import { BundleStore, type LoadedBundles, type LoadProgress } from './bundleStore';
import { GenerationError } from './errors';
import type { ModelListEntry } from './types';

export const SOURCE_SEPARATOR = ':';

export function qualifiedId(sourceId: string, bundleId: string): string {
  return `${sourceId}${SOURCE_SEPARATOR}${bundleId}`;
}

/** [source id, bundle id]; the source id is undefined for a shipped bundle. */
export function splitId(id: string): [string | undefined, string] {
  const at = id.indexOf(SOURCE_SEPARATOR);
  return at < 0 ? [undefined, id] : [id.slice(0, at), id.slice(at + 1)];
}

export class BundleCatalog {
  private readonly external = new Map<string, BundleStore>();
  /** Renamed bundles, so each load hands out the same objects (the engine's caches see one bundle, not copies). */
  private readonly renamed = new Map<string, ValidatedBundle>();

  constructor(private readonly shipped: BundleStore) {}

  /** The shipped models (what the playground lists). */
  list(): Promise<ModelListEntry[]> {
    return this.shipped.list();
  }

  async load(id: string, progress?: LoadProgress): Promise<LoadedBundles> {
    const [sourceId, bundleId] = splitId(id);
    if (sourceId === undefined) return this.shipped.load(id, progress);
    const loaded = await this.store(sourceId, id).load(bundleId, progress);
    return {
      model: this.rename(sourceId, loaded.model) as LoadedBundles['model'],
      required: new Map([...loaded.required].map(([req, b]) => [qualifiedId(sourceId, req), this.rename(sourceId, b)])),
    };
  }

  /**
   * Validates every bundle of `source` (downloading what it reads) and lists it as `sourceId`; nothing is
   * listed when any bundle fails (the BundleError says which file and what to do).
   */
  async add(
    sourceId: string,
    source: BundleSource,
    onBundle?: (id: string, i: number, count: number) => void,
  ): Promise<ModelListEntry[]> {
    if (sourceId.includes(SOURCE_SEPARATOR) || sourceId === '')
      throw new RangeError(`source id '${sourceId}' must be non-empty without '${SOURCE_SEPARATOR}'`);
    const store = new BundleStore(source);
    const models = await store.validateAll(onBundle);
    this.remove(sourceId);
    this.external.set(sourceId, store);
    return models.map((m) => ({ ...m, id: qualifiedId(sourceId, m.id) }));
  }

  remove(sourceId: string): void {
    this.external.delete(sourceId);
    const prefix = qualifiedId(sourceId, '');
    for (const key of [...this.renamed.keys()]) if (key.startsWith(prefix)) this.renamed.delete(key);
  }

  private store(sourceId: string, id: string): BundleStore {
    const store = this.external.get(sourceId);
    if (!store) {
      throw new GenerationError(
        'model-not-found',
        `No model source '${sourceId}' for '${id}': it was removed, or the page was reloaded since it was added.`,
        'Add the folder or URL again under "Your models".',
      );
    }
    return store;
  }

  private rename(sourceId: string, bundle: ValidatedBundle): ValidatedBundle {
    const id = qualifiedId(sourceId, bundle.manifest.id);
    let renamed = this.renamed.get(id);
    if (!renamed) {
      const requires = Object.fromEntries(
        Object.entries(bundle.manifest.requires).map(([role, req]) => [role, qualifiedId(sourceId, req)]),
      );
      renamed = { ...bundle, manifest: { ...bundle.manifest, id, requires } as Manifest };
      this.renamed.set(id, renamed);
    }
    return renamed;
  }
}
