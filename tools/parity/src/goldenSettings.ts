/**
 * The settings the goldens were computed with, read from the goldens' own metadata, never from the manifest's
 * `sampling` (the defaults the app offers). They differ on purpose: the official DiT converter writes
 * `sampling.steps = 250` (sample.py) with goldens for 4 respaced steps, which is what a CPU can afford at XL size.
 *
 * The exporters (training/export_bundle.py write_goldens) record the metadata twice: in the manifest's `goldens`
 * entry (numbers) and in goldens.safetensors' `__metadata__` (strings). Either is enough; when both are present
 * they must agree. The trajectory length is also checked against the tensors the file holds, so a wrong `steps`
 * is reported as such instead of as a missing tensor halfway through the run.
 */
import { BundleError, type SafetensorsFile } from '../../../src/models/bundle/index.ts';
import type { DitManifest, VarManifest } from '../../../src/models/bundle/types.ts';

export interface VarGoldenSettings {
  readonly cfg: number;
  readonly topK: number;
  readonly topP: number;
}

export interface DitGoldenSettings {
  readonly label: number;
  readonly cfg: number;
  readonly steps: number;
}

const FIX =
  "Re-export the bundle with this repository (python3 training/export_bundle.py, or training/convert_official.py for official checkpoints): it records the goldens' class, cfg and steps (DiT) or topK/topP (VAR) in the manifest's goldens entry and in the goldens file's __metadata__.";

interface GoldensSource {
  readonly manifest: VarManifest | DitManifest;
  readonly goldens: SafetensorsFile;
}

/** One metadata value: the manifest's goldens entry or the file's __metadata__, which must agree when both exist. */
function setting(src: GoldensSource, key: string, valid: (v: number) => boolean, expected: string): number {
  const { manifest, goldens } = src;
  const mFile = `${manifest.id}/manifest.json`;
  const fromManifest = manifest.goldens?.[key];
  const raw = Object.hasOwn(goldens.metadata, key) ? goldens.metadata[key] : undefined;
  const fromFile = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : undefined;
  if (fromManifest !== undefined && (typeof fromManifest !== 'number' || !valid(fromManifest))) {
    throw new BundleError(
      'bad-manifest',
      `field 'goldens.${key}' should be ${expected}, found ${JSON.stringify(fromManifest)}.`,
      { file: mFile, fix: FIX },
    );
  }
  if (raw !== undefined && (fromFile === undefined || !valid(fromFile))) {
    throw new BundleError(
      'bad-manifest',
      `__metadata__ '${key}' should be ${expected}, found ${JSON.stringify(raw)}.`,
      { file: goldens.fileName, fix: FIX },
    );
  }
  if (fromManifest === undefined && fromFile === undefined) {
    throw new BundleError(
      'bad-manifest',
      `the goldens do not record '${key}' (neither 'goldens.${key}' in ${mFile} nor __metadata__ '${key}' in the file), so parity cannot replay them: the manifest's sampling settings are the app's defaults, not necessarily the goldens'.`,
      { file: goldens.fileName, fix: FIX },
    );
  }
  if (fromManifest !== undefined && fromFile !== undefined && fromManifest !== fromFile) {
    throw new BundleError(
      'bad-manifest',
      `'goldens.${key}' in ${mFile} is ${fromManifest} but the file's __metadata__ says ${raw}.`,
      { file: goldens.fileName, fix: FIX },
    );
  }
  return (fromManifest ?? fromFile) as number;
}

const isInt = (min: number) => (v: number) => Number.isSafeInteger(v) && v >= min;
const isFinite = (v: number) => Number.isFinite(v);

/** VAR's label comes from the goldens' `tf.label` tensor, as before; these are the sampler settings. */
export function varGoldenSettings(manifest: VarManifest, goldens: SafetensorsFile): VarGoldenSettings {
  const src = { manifest, goldens };
  const cfg = setting(src, 'cfg', isFinite, 'a finite number');
  const topK = setting(src, 'topK', isInt(0), 'an integer >= 0');
  return { cfg, topK, topP: setting(src, 'topP', (v) => v >= 0 && v <= 1, 'a number in [0, 1]') };
}

export function ditGoldenSettings(manifest: DitManifest, goldens: SafetensorsFile): DitGoldenSettings {
  const src = { manifest, goldens };
  const steps = setting(src, 'steps', isInt(1), 'an integer >= 1');
  // The DDPM trajectory holds step0 .. step{steps-1}: the recorded length must be the one the file holds.
  const has = (n: number) => goldens.tensors.has(`step${n}.x_t`);
  if (!has(steps - 1) || has(steps)) {
    let held = 0;
    while (has(held)) held++;
    throw new BundleError(
      'bad-manifest',
      `the goldens record ${steps} steps but the file holds a ${held}-step trajectory (step0.x_t .. step${held - 1}.x_t).`,
      {
        file: goldens.fileName,
        fix: FIX,
      },
    );
  }
  return {
    label: setting(src, 'class', isInt(0), 'a class index'),
    cfg: setting(src, 'cfg', isFinite, 'a finite number'),
    steps,
  };
}
