/** The optional `quantTraining` field of manifests and index entries (QAT / distilled students, docs/qat.md). */
import { describe, expect, it } from 'vitest';
import { validateBundle, validateIndex, type VarManifest } from '../../src/models/bundle/index.ts';
import { manifestOf } from './helpers/editBundle.ts';
import { expectBundleError } from './helpers/expectError.ts';
import { buildFixtureModels } from './helpers/fixtureModels.ts';

const fixture = buildFixtureModels();
const QT = {
  setting: 'W4g32-A8',
  method: 'qat-topkld',
  teacher: 'mnist-var-d2',
  loss: 'topkld',
  params: { K: 16, lambda: 0.5 },
  reconstruction: true,
};

function withQuantTraining(value: unknown) {
  const src = fixture.clone();
  const m = manifestOf(src, 'fx-var');
  m.quantTraining = value;
  src.setJson('fx-var/manifest.json', m);
  const index = src.json('index.json') as { models: { id: string; quantTraining?: unknown }[] };
  index.models.find((e) => e.id === 'fx-var')!.quantTraining = value;
  src.setJson('index.json', index);
  return src;
}

describe('manifest.quantTraining', () => {
  it('is optional, and accepted and typed when present (manifest and index entry)', async () => {
    expect((await validateBundle(fixture, 'fx-var')).manifest.quantTraining).toBeUndefined();
    const src = withQuantTraining(QT);
    const m = (await validateBundle(src, 'fx-var')).manifest as VarManifest;
    expect(m.quantTraining).toEqual(QT);
    const index = await validateIndex(src);
    expect(index.models.find((e) => e.id === 'fx-var')!.quantTraining?.params.K).toBe(16);
  });

  it('rejects a setting that does not parse, naming the field', async () => {
    await expectBundleError(
      validateBundle(withQuantTraining({ ...QT, setting: 'W9g32' }), 'fx-var'),
      'bad-manifest',
      'quantTraining.setting',
      'W9g32',
    );
    await expectBundleError(
      validateBundle(withQuantTraining({ ...QT, setting: 'fp32' }), 'fx-var'),
      'bad-manifest',
      'quantTraining.setting',
    );
  });

  it('rejects missing or mistyped fields', async () => {
    const { reconstruction: _, ...noFlag } = QT;
    await expectBundleError(
      validateBundle(withQuantTraining(noFlag), 'fx-var'),
      'bad-manifest',
      'quantTraining.reconstruction',
    );
    await expectBundleError(
      validateBundle(withQuantTraining({ ...QT, params: { K: '16' } }), 'fx-var'),
      'bad-manifest',
      'quantTraining.params.K',
    );
    await expectBundleError(
      validateBundle(withQuantTraining({ ...QT, teacher: 'Not An Id' }), 'fx-var'),
      'bad-manifest',
      'quantTraining.teacher',
    );
    await expectBundleError(validateIndex(withQuantTraining('qat')), 'bad-manifest', 'models[1].quantTraining');
  });
});
