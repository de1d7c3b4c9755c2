/**
 * The CPU side of model loading: the validated index and every validated bundle, by id. Bundles are validated
 * once (sizes, sha256, tensors, finite weights; src/models/bundle) and kept, so a lost GPU device only needs
 * a re-upload. A bundle that fails validation is not kept: the BundleError goes to the caller and the store
 * stays as it was.
 */
import { validateBundle, validateIndex, type BundleSource, type ValidatedBundle } from '../../models/bundle/index.ts';
import type { BundleIndex, DitManifest, VarManifest } from '../../models/bundle/types.ts';
import { GenerationError } from './errors';
import { parseSetting, type QuantSetting } from '../../quant/setting';
import type { ModelListEntry } from './types';

export type GeneratorBundle = ValidatedBundle & { readonly manifest: VarManifest | DitManifest };

/** A generator with every bundle its manifest `requires` (tokenizer or vae, classifier), all validated. */
export interface LoadedBundles {
  readonly model: GeneratorBundle;
  readonly required: ReadonlyMap<string, ValidatedBundle>;
}

export type LoadProgress = (fraction: number, message: string) => void;

export class BundleStore {
  private index: BundleIndex | undefined;
  private readonly bundles = new Map<string, ValidatedBundle>();

  constructor(private readonly source: BundleSource) {}

  async list(): Promise<ModelListEntry[]> {
    const index = await this.validatedIndex();
    return index.models.map((m) => {
      const generator = m.family === 'var' || m.family === 'dit';
      const entry: ModelListEntry = {
        id: m.id,
        family: m.family,
        title: m.title,
        params: m.params,
        metrics: m.metrics,
        generator,
      };
      const trained = (m as { quantTraining?: { setting?: unknown; method?: unknown; teacher?: unknown } })
        .quantTraining;
      if (
        generator &&
        trained &&
        typeof trained.setting === 'string' &&
        typeof trained.method === 'string' &&
        typeof trained.teacher === 'string'
      ) {
        // The manifest's strings, parsed once here; a student this build cannot name is listed as a plain model.
        const setting = tryParseSetting(`${trained.setting}~${trained.method}`);
        if (setting) return { ...entry, quantTraining: { setting, teacher: trained.teacher } };
      }
      return entry;
    });
  }

  /** True when the generator and its requirements are validated and kept. */
  isLoaded(id: string): boolean {
    const b = this.bundles.get(id);
    return b !== undefined && Object.values(b.manifest.requires).every((r) => this.bundles.has(r));
  }

  async load(id: string, progress: LoadProgress = () => undefined): Promise<LoadedBundles> {
    const index = await this.validatedIndex();
    const entry = index.models.find((m) => m.id === id);
    if (!entry) {
      throw new GenerationError(
        'model-not-found',
        `No model '${id}' in ${this.source.label}index.json (it lists ${index.models.map((m) => m.id).join(', ') || 'nothing'}).`,
        'Pick a model from the list, or export the bundle and reload.',
      );
    }
    if (entry.family !== 'var' && entry.family !== 'dit') {
      throw new GenerationError(
        'not-a-generator',
        `'${id}' is a ${entry.family} bundle, not a generator.`,
        'Load a var or dit bundle; its decoder and classifier are loaded with it.',
      );
    }
    progress(0, `Validating ${id}`);
    const model = (await this.validated(id)) as GeneratorBundle;
    const requires = Object.values(model.manifest.requires);
    const required = new Map<string, ValidatedBundle>();
    for (const [i, req] of requires.entries()) {
      progress((i + 1) / (requires.length + 1), `Validating ${req} (needed by ${id})`);
      required.set(req, await this.validated(req));
    }
    progress(1, `${id} validated`);
    return { model, required };
  }

  /**
   * Validates the index and every bundle it lists (a whole source, e.g. one the user brought), in index order;
   * the first BundleError rejects. `progress` gets each bundle before it is read.
   */
  async validateAll(
    progress: (id: string, i: number, count: number) => void = () => undefined,
  ): Promise<ModelListEntry[]> {
    const index = await this.validatedIndex();
    for (const [i, { id }] of index.models.entries()) {
      progress(id, i, index.models.length);
      await this.validated(id);
    }
    return this.list();
  }

  private async validated(id: string): Promise<ValidatedBundle> {
    const kept = this.bundles.get(id);
    if (kept) return kept;
    const bundle = await validateBundle(this.source, id, { index: await this.validatedIndex() });
    this.bundles.set(id, bundle);
    return bundle;
  }

  private async validatedIndex(): Promise<BundleIndex> {
    this.index ??= await validateIndex(this.source);
    return this.index;
  }
}

function tryParseSetting(text: string): QuantSetting | undefined {
  try {
    return parseSetting(text);
  } catch {
    return undefined;
  }
}
