import { useMemo } from 'react';
import { settingToString } from '../../../quant/setting';
import type { ComparedRun, RunSummary } from '../../../worker/protocol';
import { GREY_32, diffPixels, displayScale, imagePixels, type ImageLayout } from '../imagePixels';
import { tokensKept } from '../traces';
import { PixelCanvas } from './PixelCanvas';

function predictionText(run: RunSummary): string {
  const p = run.prediction;
  return p ? `looks like ${p.label} (${Math.round(p.confidence * 100)}%)` : 'no classifier for this model';
}

export function psnrText(psnr: number | undefined): string {
  if (psnr === undefined) return '';
  return Number.isFinite(psnr) ? `PSNR ${psnr.toFixed(1)} dB` : 'identical to fp32';
}

/**
 * One sample with its numbers; quantised cells can also show their difference to fp32 as a heatmap. `layout`
 * says how the output is drawn (MNIST 32x32 grey, official 256x256 RGB).
 */
export function SampleCell({
  run,
  reference,
  title,
  showDiff,
  layout = GREY_32,
}: {
  run: RunSummary | ComparedRun;
  reference?: RunSummary;
  title: string;
  showDiff: boolean;
  layout?: ImageLayout;
}) {
  const pixels = useMemo(() => imagePixels(run.output, layout), [run.output, layout]);
  const diff = useMemo(
    () =>
      reference && showDiff ? diffPixels(run.output, reference.output, layout.size, 2, layout.channels) : undefined,
    [run.output, reference, showDiff, layout],
  );
  const psnr = 'psnr' in run ? run.psnr : undefined;
  const tokens = 'steps' in run ? tokensKept(run.steps) : undefined;
  const scale = displayScale(layout.size);
  return (
    <figure className="sample-cell" data-setting={settingToString(run.setting)} data-image-size={layout.size}>
      <PixelCanvas
        pixels={pixels}
        size={layout.size}
        scale={scale}
        label={`${title}: sample, ${predictionText(run)}`}
      />
      {diff && <PixelCanvas pixels={diff} size={layout.size} scale={scale} label={`${title}: difference to fp32`} />}
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
