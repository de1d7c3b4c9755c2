/**
 * Parity replays the goldens with the settings they were computed with (their own metadata), not the manifest's
 * `sampling` defaults: the official DiT converter writes sampling.steps = 250 with goldens for 4 steps.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BundleError,
  parseSafetensors,
  validateBundle,
  type DitManifest,
  type VarManifest,
} from '../../src/models/bundle/index.ts';
import { ditGoldenSettings, varGoldenSettings } from '../../tools/parity/src/goldenSettings.ts';
import { f32Bytes, writeSafetensors } from './helpers/safetensorsWriter.ts';
import { FsBundleSource } from './helpers/sources.ts';

/** A DiT goldens file holding a `steps`-step DDPM trajectory (only the x_t tensors matter here). */
function ditGoldens(steps: number, metadata?: Record<string, string>) {
  const tensors = Array.from({ length: steps }, (_, n) => ({
    name: `step${n}.x_t`,
    dtype: 'F32' as const,
    shape: [1],
    data: f32Bytes([n]),
  }));
  return parseSafetensors(writeSafetensors(tensors, metadata).bytes, 'official-dit-d2/goldens.safetensors');
}

const ditManifest = (goldens: Record<string, unknown>, sampling = { method: 'ddpm', steps: 250, cfg: 1.5, seed: 0 }) =>
  ({
    id: 'official-dit-d2',
    family: 'dit',
    sampling,
    goldens: { path: 'goldens.safetensors', tensors: [], ...goldens },
  }) as unknown as DitManifest;

const varManifest = (goldens: Record<string, unknown>) =>
  ({
    id: 'official-var-d4',
    family: 'var',
    sampling: { cfg: 1.5, topK: 900, topP: 0.96, seed: 0 },
    goldens: { path: 'goldens.safetensors', tensors: [], ...goldens },
  }) as unknown as VarManifest;

const varGoldens = (metadata?: Record<string, string>) =>
  parseSafetensors(
    writeSafetensors([{ name: 'tf.label', dtype: 'I32', shape: [1], data: new Uint8Array(4) }], metadata).bytes,
    'official-var-d4/goldens.safetensors',
  );

function expectError(f: () => unknown, ...mentions: string[]): BundleError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(BundleError);
  const err = caught as BundleError;
  for (const m of mentions) expect(err.message).toContain(m);
  expect(err.fix).toContain('training/convert_official.py');
  return err;
}

describe('DiT golden settings', () => {
  it('an official bundle: sampling.steps 250, goldens for 4 steps -> 4 steps, the goldens cfg and class', () => {
    const s = ditGoldenSettings(
      ditManifest({ class: 207, seed: 0, cfg: 4, steps: 4 }),
      ditGoldens(4, { class: '207', seed: '0', cfg: '4.0', steps: '4' }),
    );
    expect(s).toEqual({ steps: 4, cfg: 4, label: 207 });
  });

  it('reads the file metadata when the manifest entry lacks a field (and the manifest when the file has no metadata)', () => {
    expect(ditGoldenSettings(ditManifest({ class: 3 }), ditGoldens(2, { cfg: '1.5', steps: '2' }))).toEqual({
      steps: 2,
      cfg: 1.5,
      label: 3,
    });
    expect(ditGoldenSettings(ditManifest({ class: 3, cfg: 2, steps: 3 }), ditGoldens(3))).toEqual({
      steps: 3,
      cfg: 2,
      label: 3,
    });
  });

  it('neither records steps -> a clear error naming the field, both places and that sampling is not used', () => {
    const err = expectError(
      () => ditGoldenSettings(ditManifest({ class: 3, cfg: 1.5 }), ditGoldens(4)),
      "do not record 'steps'",
      "'goldens.steps' in official-dit-d2/manifest.json",
      "__metadata__ 'steps'",
      "sampling settings are the app's defaults",
    );
    expect(err.file).toBe('official-dit-d2/goldens.safetensors');
  });

  it('manifest and file disagree -> error naming both values', () => {
    expectError(
      () => ditGoldenSettings(ditManifest({ class: 3, cfg: 1.5, steps: 4 }), ditGoldens(4, { steps: '5' })),
      "'goldens.steps'",
      'is 4',
      'says 5',
    );
  });

  it('recorded steps that the file does not hold -> error with the trajectory it holds', () => {
    expectError(
      () => ditGoldenSettings(ditManifest({ class: 3, cfg: 1.5, steps: 50 }), ditGoldens(4)),
      'record 50 steps',
      'a 4-step trajectory',
      'step3.x_t',
    );
    expectError(
      () => ditGoldenSettings(ditManifest({ class: 3, cfg: 1.5, steps: 3 }), ditGoldens(4)),
      'record 3 steps',
      'a 4-step trajectory',
    );
  });

  it('a value that is not a number -> error naming the field and what was found', () => {
    expectError(
      () => ditGoldenSettings(ditManifest({ class: 3, cfg: 1.5, steps: '4' }), ditGoldens(4)),
      "'goldens.steps' should be an integer >= 1",
      'found "4"',
    );
    expectError(
      () => ditGoldenSettings(ditManifest({ class: 3, cfg: 1.5 }), ditGoldens(4, { steps: 'four' })),
      "__metadata__ 'steps' should be an integer >= 1",
      'found "four"',
    );
  });
});

describe('VAR golden settings', () => {
  it("cfg, topK and topP come from the goldens, not from sampling's official defaults (900, 0.96)", () => {
    expect(
      varGoldenSettings(
        varManifest({ class: 3, cfg: 1.5, topK: 0, topP: 0 }),
        varGoldens({ cfg: '1.5', topK: '0', topP: '0.0' }),
      ),
    ).toEqual({ cfg: 1.5, topK: 0, topP: 0 });
  });

  it('missing topP -> error naming it', () => {
    expectError(() => varGoldenSettings(varManifest({ cfg: 1.5, topK: 900 }), varGoldens()), "do not record 'topP'");
  });
});

describe('shipped bundles record their golden settings', () => {
  const root = join(import.meta.dirname, '../../public/models');
  for (const id of ['mnist-var-d1', 'mnist-dit-d1']) {
    it.runIf(existsSync(join(root, id, 'manifest.json')))(`${id}`, async () => {
      const b = await validateBundle(new FsBundleSource(root), id);
      if (b.manifest.family === 'dit') {
        const s = ditGoldenSettings(b.manifest, b.goldens!);
        expect(s.steps).toBe(b.manifest.goldens!.steps);
        expect(b.goldens!.tensors.has(`step${s.steps - 1}.x_next`)).toBe(true);
      } else if (b.manifest.family === 'var') {
        expect(varGoldenSettings(b.manifest, b.goldens!).topK).toBe(b.manifest.goldens!.topK);
      }
    });
  }
});
