/**
 * Which errors refuse one setting of a generate request (its cell shows the error, the other settings still run)
 * and which fail the whole request (sideBySide.ts settingRefusal).
 */
import { describe, expect, it } from 'vitest';
import { settingRefusal } from '../../src/engine/generation/sideBySide';
import { resolveRequest } from '../../src/engine/generation/generateParams';
import { GenerationError } from '../../src/engine/generation/errors';
import { CancelledError } from '../../src/engine/runContext';
import { ModelError } from '../../src/models/runtime/errors';
import { GpuError } from '../../src/gpu/errors';
import { parseSetting } from '../../src/quant/setting';
import type { DitManifest } from '../../src/models/bundle/types';

describe('settingRefusal', () => {
  it('turns setting refusals into plain data (problem as message, fix) and leaves every other error to the request', () => {
    const unsupported = new ModelError('setting-unsupported', 'W4g32-A8-tg4: VAR has no timesteps.', 'Drop -tg<k>.');
    expect(settingRefusal(unsupported)).toEqual({
      code: 'setting-unsupported',
      message: 'W4g32-A8-tg4: VAR has no timesteps.',
      fix: 'Drop -tg<k>.',
    });
    expect(settingRefusal(new ModelError('memory-over-budget', 'too big.', 'Pick W4g128.'))?.code).toBe(
      'memory-over-budget',
    );
    expect(settingRefusal(new GenerationError('setting-unsupported', 'no table.', 'Ship one.'))?.fix).toBe('Ship one.');
    // A cancel, a lost device, an engine bug or a plain Error fail the whole request.
    expect(settingRefusal(new CancelledError())).toBeUndefined();
    expect(settingRefusal(new GpuError('device-lost', 'lost.', 'Restart GPU.'))).toBeUndefined();
    expect(settingRefusal(new ModelError('argument-invalid', 'bug.', 'Report it.'))).toBeUndefined();
    expect(settingRefusal(new Error('boom'))).toBeUndefined();
  });

  it('resolveRequest keeps a SmoothQuant setting without activation quantisation as a refusal, not a failure', () => {
    const manifest = {
      id: 'm',
      family: 'dit',
      config: { numClasses: 10, diffusion: { trainSteps: 1000 } },
      sampling: { cfg: 1.5, steps: 4, method: 'ddim' },
    } as unknown as DitManifest;
    const r = resolveRequest(
      { modelId: 'm', settings: [parseSetting('W4g32-sq0.5'), parseSetting('W4g32')], classLabel: 1, seed: 0 },
      manifest,
    );
    expect(r.settings.map((s) => s.setting)).toEqual([parseSetting('W4g32')]);
    expect(r.refused).toEqual([
      expect.objectContaining({ setting: parseSetting('W4g32-sq0.5'), code: 'setting-unsupported' }),
    ]);
  });
});
