/**
 * validateBundle: everything the engine relies on, checked once at load time (docs/bundle-format.md):
 * manifest fields and family config, the index entry and `requires`, every listed file's size and sha256,
 * the safetensors headers against the manifest, the tensors the family's forward needs with the shapes the
 * config implies, and finite weights. Throws BundleError (code, file, tensor, fix) on the first problem.
 */
import { INDEX_FILE, validateIndex } from './bundleIndex.ts';
import { BundleError, REEXPORT_FIX } from './errors.ts';
import {
  expectedDitTensors,
  expectedVarTensors,
  expectedVqvaeTensors,
  type ExpectedWeights,
} from './expectedTensors.ts';
import { parseJson } from './fields.ts';
import { checkFileBytes, checkFileRoles, type ChecksumStatus } from './fileChecks.ts';
import { checkManifest } from './manifest.ts';
import { checkNoLocalPaths } from './localPaths.ts';
import { checkOnnxPorts, checkRequiredBundles } from './crossChecks.ts';
import { checkCountsAgainstWeights } from './counts.ts';
import { checkOnnxFile } from './fileTypes.ts';
import { parseSafetensors, type SafetensorsFile } from './safetensors.ts';
import type { BundleSource } from './source.ts';
import type { BundleIndex, Manifest } from './types.ts';
import { checkExpectedTensors, checkFinite, checkIndexMatchesHeader, checkParamCounts } from './weightChecks.ts';

export interface ValidatedBundle {
  readonly manifest: Manifest;
  /** weights.safetensors (var, dit, vqvae); its `tensors` map is the tensor table. */
  readonly weights?: SafetensorsFile;
  readonly goldens?: SafetensorsFile;
  readonly fdStats?: SafetensorsFile;
  /** Bytes of every listed file, by path inside the bundle (ONNX graphs, sample grid, ...). */
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly checksums: ChecksumStatus;
}

export interface ValidateOptions {
  /** The already validated index; read from the source when absent. */
  readonly index?: BundleIndex;
}

export function manifestPath(id: string): string {
  return `${id}/manifest.json`;
}

function expectedWeights(m: Manifest): ExpectedWeights | undefined {
  if (m.family === 'var') return expectedVarTensors(m.config);
  if (m.family === 'dit') return expectedDitTensors(m.config);
  if (m.family === 'vqvae') return expectedVqvaeTensors(m.config);
  return undefined;
}

export async function validateBundle(
  source: BundleSource,
  id: string,
  options: ValidateOptions = {},
): Promise<ValidatedBundle> {
  const mFile = manifestPath(id);
  const raw = parseJson(await source.readText(mFile), mFile);
  const manifest = checkManifest(raw, mFile, id);
  checkNoLocalPaths(raw, mFile);
  const index = options.index ?? (await validateIndex(source));
  checkIndexEntry(manifest, index);
  checkFileRoles(manifest, mFile);
  checkOnnxPorts(manifest, mFile);
  await checkRequiredBundles(source, manifest, index, mFile);

  // Read in parallel (HTTP), check in listed order so the first reported problem is deterministic.
  const contents = await Promise.all(manifest.files.map((f) => source.readBytes(`${id}/${f.path}`)));
  const files = new Map<string, Uint8Array>();
  let checksums: ChecksumStatus = 'verified';
  for (const [i, entry] of manifest.files.entries()) {
    checksums = await checkFileBytes(entry, contents[i], `${id}/${entry.path}`);
    files.set(entry.path, contents[i]);
  }
  // The graph's inputs and outputs must include the ports the engine will feed and read.
  if (manifest.onnx) checkOnnxFile(files.get(manifest.onnx.path)!, `${id}/${manifest.onnx.path}`, manifest.onnx);
  const byRole = (role: string): [string, Uint8Array] | undefined => {
    const f = manifest.files.find((e) => e.role === role);
    return f ? [`${id}/${f.path}`, files.get(f.path)!] : undefined;
  };

  let weights: SafetensorsFile | undefined;
  const w = byRole('weights');
  if (w) {
    weights = parseSafetensors(w[1], w[0]);
    checkIndexMatchesHeader(manifest, weights, mFile);
    // Bounds config.depth / phiCount by the file before the expected list is built from them.
    checkCountsAgainstWeights(manifest, w[0], mFile);
  }
  const expected = weights ? expectedWeights(manifest) : undefined;
  if (expected) {
    checkExpectedTensors(manifest, expected, w ? w[0] : mFile);
    if (manifest.family !== 'vqvae') checkParamCounts(manifest, expected, mFile);
  }
  if (weights) checkFinite(weights);

  let goldens: SafetensorsFile | undefined;
  if (manifest.goldens) {
    const path = `${id}/${manifest.goldens.path}`;
    goldens = parseSafetensors(files.get(manifest.goldens.path)!, path);
    for (const name of manifest.goldens.tensors) {
      if (!goldens.tensors.has(name)) {
        throw new BundleError('missing-tensor', `listed in ${mFile} 'goldens.tensors' but not in the file.`, {
          file: path,
          tensor: name,
          fix: REEXPORT_FIX,
        });
      }
    }
  }
  const fdStats = manifest.family === 'classifier' ? checkFdStats(manifest, byRole('fd-stats')!) : undefined;
  return { manifest, weights, goldens, fdStats, files, checksums };
}

function checkIndexEntry(m: Manifest, index: BundleIndex): void {
  const entry = index.models.find((e) => e.id === m.id);
  const fail = (problem: string): never => {
    throw new BundleError('bad-manifest', problem, {
      file: INDEX_FILE,
      fix: 'Regenerate index.json with python3 training/export_bundle.py (or the converter) after exporting bundles.',
    });
  };
  if (!entry) fail(`bundle '${m.id}' is not listed.`);
  else if (entry.family !== m.family)
    fail(`'${m.id}' is listed as family ${entry.family} but its manifest says ${m.family}.`);
  else if (entry.params.total !== m.params.total || entry.params.linear !== m.params.linear) {
    fail(`'${m.id}' params differ from its manifest (${JSON.stringify(entry.params)} vs ${JSON.stringify(m.params)}).`);
  }
}

/** Classifier FD statistics: mu [F] and sigma [F, F] in F64, finite. */
function checkFdStats(m: Manifest, [path, bytes]: [string, Uint8Array]): SafetensorsFile {
  const st = parseSafetensors(bytes, path);
  const F = m.family === 'classifier' ? m.config.featureDim : 0;
  for (const [name, shape] of [
    ['mu', [F]],
    ['sigma', [F, F]],
  ] as const) {
    const t = st.tensors.get(name);
    const ctx = { file: path, tensor: name, fix: REEXPORT_FIX };
    if (!t) throw new BundleError('missing-tensor', 'FD statistics need it; the file has no such tensor.', ctx);
    if (t.dtype !== 'F64') throw new BundleError('dtype-mismatch', `expected F64, found ${t.dtype}.`, ctx);
    if (t.shape.join() !== shape.join()) {
      throw new BundleError(
        'wrong-shape',
        `expected [${shape.join(', ')}] (featureDim ${F}), found [${t.shape.join(', ')}].`,
        ctx,
      );
    }
  }
  checkFinite(st, ['mu', 'sigma']);
  return st;
}

export type BundleResult =
  | { readonly id: string; readonly ok: true; readonly bundle: ValidatedBundle }
  | { readonly id: string; readonly ok: false; readonly error: BundleError };

/** The index, then every bundle in it; a broken bundle is reported without hiding the good ones. */
export async function validateAllBundles(
  source: BundleSource,
): Promise<{ index: BundleIndex; results: BundleResult[] }> {
  const index = await validateIndex(source);
  const results: BundleResult[] = [];
  for (const { id } of index.models) {
    try {
      results.push({ id, ok: true, bundle: await validateBundle(source, id, { index }) });
    } catch (e) {
      if (!(e instanceof BundleError)) throw e;
      results.push({ id, ok: false, error: e });
    }
  }
  return { index, results };
}
