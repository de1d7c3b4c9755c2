/**
 * What the sweep page offers its driver (tools/sweep/sweep.mjs, through Playwright): the engine worker the app
 * uses (engine.worker.ts behind EngineClient), one measureQuality (or pointSize) call at a time, with partial points and
 * progress handed to `report` (exposed by the driver) so the terminal shows the point moving.
 */
import { parseSetting } from '../../../src/quant/setting';
import { EngineClient } from '../../../src/worker/engineClient';
import { adapterLabel } from '../../../src/gpu/gpuContext';
import type { ListModelsResult } from '../../../src/engine/generation/types';
import type { MeasureQualityParams, SizeRow, SweepRow } from '../../../src/engine/quality/types';
import { toSizeRow, toSweepRow } from '../../../src/engine/quality/sweepRow';

export interface SweepEnvironment {
  /** Adapter description (vendor / architecture / device / description) and the browser it ran in. */
  readonly adapter: string;
  readonly browser: string;
}

export type SweepReport = (kind: 'progress' | 'partial', payload: unknown) => void;

export interface SweepPageApi {
  environment(): Promise<SweepEnvironment>;
  listModels(): Promise<ListModelsResult>;
  /** The sweep file's setting text is parsed here, once, on its way into the engine, and printed on the way out. */
  measure(params: Omit<MeasureQualityParams, 'setting'> & { setting: string }): Promise<SweepRow>;
  /** The point's size axes with nothing sampled (the model loaded at the setting; `--sizes-only`). */
  size(params: { modelId: string; setting: string }): Promise<SizeRow>;
}

export function createSweepApi(report: () => SweepReport | undefined, log: (line: string) => void): SweepPageApi {
  const client = new EngineClient(
    new Worker(new URL('../../../src/worker/engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' }),
  );
  return {
    async environment() {
      const info = await client.call('init', {});
      const browser = navigator.userAgent.match(/(HeadlessChrome|Chromium|Chrome)\/[\d.]+/)?.[0] ?? navigator.userAgent;
      return { adapter: adapterLabel(info.adapter), browser };
    },
    listModels: () => client.call('listModels', {}),
    async measure(params) {
      log(`${params.modelId} ${params.setting}: ${params.samples} samples`);
      const point = await client.call(
        'measureQuality',
        { ...params, setting: parseSetting(params.setting) },
        {
          onProgress: (fraction, message) => report()?.('progress', { fraction, message }),
          onPartial: (partial) => report()?.('partial', toSweepRow(partial)),
        },
      );
      const kid = point.kid !== undefined ? `, KID ${point.kid.toFixed(4)} ± ${point.kidSe!.toFixed(4)}` : '';
      log(
        `  FD ${point.fd.toFixed(2)} ± ${point.fdStdErr.toFixed(2)}${kid}, accuracy ${point.accuracy.toFixed(3)}, ${(point.ms / 1000).toFixed(1)} s`,
      );
      return toSweepRow(point);
    },
    async size(params) {
      const size = await client.call('pointSize', { modelId: params.modelId, setting: parseSetting(params.setting) });
      log(`${params.modelId} ${params.setting}: ${(size.transformerBits / 8e3).toFixed(1)} kB transformer weights`);
      return toSizeRow(size);
    },
  };
}
