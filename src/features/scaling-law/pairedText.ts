/**
 * Text of the live point's paired per-sample metrics against fp32 (src/engine/quality/pairedSamples.ts): each
 * value with ± its standard error and the samples behind it.
 */
import type { PairedMetrics } from '../../engine/quality/pairedSamples';

export interface PairedLine {
  readonly label: string;
  readonly text: string;
  readonly hint: string;
}

function pm(value: number, se: number, digits: number, unit = ''): string {
  if (!Number.isFinite(se)) return `${value.toFixed(digits)}${unit} (error needs 3+ samples)`;
  return `${value.toFixed(digits)} ± ${se.toFixed(digits)}${unit}`;
}

export function pairedLines(p: PairedMetrics | undefined): PairedLine[] {
  if (!p) return [];
  const lines: PairedLine[] = [];
  if (p.psnr) {
    const text = p.psnr.value === Infinity ? 'identical to fp32 (∞ dB)' : pm(p.psnr.value, p.psnr.stdError, 1, ' dB');
    lines.push({
      label: 'PSNR vs fp32',
      text,
      hint: `PSNR of the mean squared error against fp32's image of the same draws, over ${p.psnr.samples} samples; ± balanced jackknife`,
    });
  }
  if (p.labelAgreement) {
    lines.push({
      label: 'Label agreement with fp32',
      text: pm(100 * p.labelAgreement.value, 100 * p.labelAgreement.stdError, 1, '%'),
      hint: `classifier label equal to fp32's sample's, ${p.labelAgreement.samples} samples; ± standard error`,
    });
  }
  if (p.tokenAgreement) {
    lines.push({
      label: 'Token agreement with fp32',
      text: pm(100 * p.tokenAgreement.value, 100 * p.tokenAgreement.stdError, 1, '%'),
      hint: `VAR tokens (all scales) equal to fp32's, mean over ${p.tokenAgreement.samples} samples; ± standard error`,
    });
  }
  return lines;
}
