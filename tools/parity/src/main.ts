/**
 * The parity page (tools/parity/parity.html): runs tools/parity/src on this browser's WebGPU device against the bundles served
 * under <base>/models/, shows the table, and exposes the report as `window.__parityReport` (plus
 * `window.__parityError` on failure) for tools/parity/parity.mjs. `?ids=a,b` limits the bundles.
 */
import { FetchBundleSource } from '../../../src/models/bundle/index.ts';
import { GpuContext, adapterLabel } from '../../../src/gpu/gpuContext';
import { formatParityTable, runParity } from './runParity';
import type { ParityReport } from './parityTypes';

declare global {
  interface Window {
    __parityReport?: ParityReport;
    __parityError?: string;
  }
}

const status = document.getElementById('status')!;
const table = document.getElementById('table')!;

async function main(): Promise<void> {
  const context = await GpuContext.create();
  const uncaptured: string[] = [];
  context.onError((error) => uncaptured.push(error.message));
  try {
    const ids = new URLSearchParams(location.search).get('ids')?.split(',').filter(Boolean);
    const source = new FetchBundleSource(`${import.meta.env.BASE_URL}models/`);
    const device = adapterLabel(context.adapter);
    status.textContent = `Running on ${device}…`;
    const report = await runParity(context.device, source, {
      ids,
      deviceLabel: `${device} (${navigator.userAgent.match(/Chrom(e|ium)\/[\d.]+/)?.[0] ?? 'browser'})`,
      onModel: (model, rows) => {
        status.textContent = `Checked ${model} (${rows.length} tensors)…`;
      },
    });
    await context.device.queue.onSubmittedWorkDone();
    if (uncaptured.length > 0) throw new Error(`uncaptured WebGPU errors: ${uncaptured.join('; ')}`);
    table.textContent = formatParityTable(report);
    status.textContent = report.pass
      ? 'PASS: every golden tensor within tolerance.'
      : 'FAIL: see the rows marked NO and the skipped bundles.';
    status.className = report.pass ? '' : 'fail';
    window.__parityReport = report;
  } finally {
    context.destroy();
  }
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  status.textContent = message;
  status.className = 'fail';
  window.__parityError = message;
});
