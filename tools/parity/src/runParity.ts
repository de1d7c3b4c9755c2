/**
 * Runs every parity check on every transformer bundle with goldens that `source` offers, on `device`:
 * shared by the vitest suite (Dawn for Node), the parity page (tools/parity/parity.html, headless Chromium) and
 * tools/parity/parity.mjs. A bundle that fails validation is reported in `skipped`, never silently dropped.
 */
import { validateBundle, validateIndex, type BundleSource } from '../../../src/models/bundle/index.ts';
import type { DitManifest, VarManifest, VqvaeManifest } from '../../../src/models/bundle/types.ts';
import { KernelSet } from '../../../src/models/runtime/kernelSet';
import { varParity } from './varParity';
import { ditParity } from './ditParity';
import { maxByStep, type ParityReport, type ParityRow } from './parityTypes';

export interface ParityOptions {
  /** Only these bundle ids (default: every var and dit bundle with goldens). */
  readonly ids?: readonly string[];
  /** Progress callback, one call per finished model. */
  readonly onModel?: (model: string, rows: readonly ParityRow[]) => void;
  readonly deviceLabel?: string;
}

export async function runParity(
  device: GPUDevice,
  source: BundleSource,
  options: ParityOptions = {},
): Promise<ParityReport> {
  const index = await validateIndex(source);
  const wanted = index.models.filter(
    (m) => (m.family === 'var' || m.family === 'dit') && (!options.ids || options.ids.includes(m.id)),
  );
  const rows: ParityRow[] = [];
  const skipped: { model: string; reason: string }[] = [];
  const kernels = new KernelSet(device);
  try {
    for (const entry of wanted) {
      let modelRows: ParityRow[];
      try {
        const bundle = await validateBundle(source, entry.id, { index });
        if (!bundle.goldens) {
          skipped.push({ model: entry.id, reason: 'no goldens in the bundle' });
          continue;
        }
        if (bundle.manifest.family === 'var') {
          const tokenizer = await validateBundle(source, bundle.manifest.requires.tokenizer, { index });
          modelRows = await varParity(device, kernels, {
            bundle: bundle as typeof bundle & { manifest: VarManifest },
            tokenizer: tokenizer as typeof tokenizer & { manifest: VqvaeManifest },
          });
        } else {
          modelRows = await ditParity(device, kernels, { bundle: bundle as typeof bundle & { manifest: DitManifest } });
        }
      } catch (error) {
        skipped.push({ model: entry.id, reason: error instanceof Error ? error.message : String(error) });
        continue;
      }
      rows.push(...modelRows);
      options.onModel?.(entry.id, modelRows);
    }
  } finally {
    kernels.destroy();
  }
  return {
    device: options.deviceLabel ?? 'unknown',
    maxByStep: maxByStep(rows),
    rows,
    skipped,
    pass: rows.length > 0 && skipped.length === 0 && rows.every((r) => r.pass),
  };
}

/** The report as a fixed-width text table (one line per row), for logs. */
export function formatParityTable(report: ParityReport): string {
  const lines = [
    `parity on ${report.device}: ${report.pass ? 'PASS' : 'FAIL'}`,
    'model                 step        tensor                           error      tol     ok',
  ];
  for (const r of report.rows) {
    lines.push(
      `${r.model.padEnd(21)} ${r.step.padEnd(11)} ${r.tensor.padEnd(32)} ${r.error.toExponential(2).padStart(9)}  ${r.tolerance.toExponential(0)}  ${r.pass ? 'yes' : 'NO'}`,
    );
  }
  for (const s of report.skipped) lines.push(`${s.model}: SKIPPED (${s.reason})`);
  return lines.join('\n');
}
