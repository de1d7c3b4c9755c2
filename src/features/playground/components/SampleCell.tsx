import { useMemo } from 'react';
import { settingToString } from '../../../quant/setting';
import type { ComparedRun, RunSummary } from '../../../worker/protocol';
import { diffPixels, greyPixels } from '../imagePixels';
import { tokensKept } from '../traces';
import { PixelCanvas } from './PixelCanvas';

const SIZE = 32;

function predictionText(run: RunSummary): string {
  const p = run.prediction;
  return p ? `looks like ${p.label} (${Math.round(p.confidence * 100)}%)` : 'no classifier';
}

export function psnrText(psnr: number | undefined): string {
  if (psnr === undefined) return '';
  return Number.isFinite(psnr) ? `PSNR ${psnr.toFixed(1)} dB` : 'identical to fp32';
}

/** One sample with its numbers; quantised cells can also show their difference to fp32 as a heatmap. */
export function SampleCell({
  run,
  reference,
  title,
  showDiff,
}: {
  run: RunSummary | ComparedRun;
  reference?: RunSummary;
  title: string;
  showDiff: boolean;
}) {
  const grey = useMemo(() => greyPixels(run.output, SIZE), [run.output]);
  const diff = useMemo(
    () => (reference && showDiff ? diffPixels(run.output, reference.output, SIZE) : undefined),
    [run.output, reference, showDiff],
  );
  const psnr = 'psnr' in run ? run.psnr : undefined;
  const tokens = 'steps' in run ? tokensKept(run.steps) : undefined;
  return (
    <figure className="sample-cell" data-setting={settingToString(run.setting)}>
      <PixelCanvas pixels={grey} size={SIZE} label={`${title}: sample, ${predictionText(run)}`} />
      {diff && <PixelCanvas pixels={diff} size={SIZE} label={`${title}: difference to fp32`} />}
      <figcaption>
        {reference ? <span className="psnr">{psnrText(psnr)}</span> : <span className="psnr">reference</span>}
        <span className="prediction">{predictionText(run)}</span>
        {tokens && reference && (
          <span className="tokens">
            {tokens.same} of {tokens.total} tokens as fp32
          </span>
        )}
      </figcaption>
    </figure>
  );
}
