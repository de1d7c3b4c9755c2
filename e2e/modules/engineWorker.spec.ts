/**
 * The real engine worker (src/worker/engine.worker.ts) in Chromium: bundles fetched and validated, VAR and DiT
 * sampled on our kernels at full precision and two quantised settings with shared draws, decoded by
 * onnxruntime-web on the worker's device and classified. What the UI will call, end to end.
 */
import { expect, test } from '@playwright/test';
import type { GenerateResult } from '../../src/engine/generation/types';

async function generateInWorker(page: import('@playwright/test').Page, params: Record<string, unknown>) {
  return page.evaluate(async (p) => {
    const { EngineClient } = await import('../../src/worker/engineClient.ts');
    const { parseSetting, settingToString } = await import('../../src/quant/setting.ts');
    // Settings cross from Node as text: parsed once here, at the edge, and printed back for the checks.
    const params = {
      ...(p as Record<string, unknown>),
      settings: (p as { settings: string[] }).settings.map(parseSetting),
    };
    const client = new EngineClient(
      new Worker(new URL('/src/worker/engine.worker.ts', location.origin), { type: 'module' }),
    );
    try {
      const result = (await client.call('generate', params as never)) as GenerateResult;
      // Typed arrays do not survive page.evaluate's JSON: return what the test checks.
      const range = (a: Float32Array) => [Math.min(...a), Math.max(...a)];
      return {
        outputKind: result.outputKind,
        notes: result.notes,
        reference: { prediction: result.reference.prediction, range: range(result.reference.output) },
        runs: result.runs.map((r) => ({
          setting: settingToString(r.setting),
          psnr: r.psnr,
          bits: r.memory.bitsPerWeight,
          steps: r.steps.length,
          errors: r.steps.map((s) => (s.kind === 'var' ? s.fHatRelL2 : s.xRelL2)),
        })),
      };
    } finally {
      client.terminate();
    }
  }, params);
}

test.beforeEach(async ({ page }) => {
  await page.goto('/e2e/modules/harness.html');
});

for (const [modelId, extra, stepCount] of [
  ['mnist-var-d3', {}, 4],
  ['mnist-dit-d4', { steps: 20 }, 20],
] as const) {
  test(`${modelId}: generates, decodes and classifies in the worker; fewer bits cost more PSNR`, async ({ page }) => {
    const r = await generateInWorker(page, {
      modelId,
      settings: ['W8c-A8', 'W2g32'],
      classLabel: 7,
      seed: 3,
      ...extra,
    });
    expect(r.outputKind).toBe('image');
    expect(r.notes).toEqual([]);
    expect(r.reference.prediction?.label).toBe(7);
    expect(r.reference.range[0]).toBeGreaterThanOrEqual(-1);
    expect(r.reference.range[1]).toBeLessThanOrEqual(1);
    const [w8, w2] = r.runs;
    expect(w8!.steps).toBe(stepCount);
    expect(w8!.errors.every((e) => Number.isFinite(e))).toBe(true);
    expect(w2!.bits).toBeLessThan(w8!.bits);
    expect(w8!.psnr!).toBeGreaterThan(w2!.psnr!);
    console.log(
      `${modelId}: fp32 label ${r.reference.prediction?.label} (${r.reference.prediction?.confidence.toFixed(2)}); PSNR vs fp32 W8c-A8 ${w8!.psnr!.toFixed(1)} dB, W2g32 ${w2!.psnr!.toFixed(1)} dB`,
    );
  });
}
