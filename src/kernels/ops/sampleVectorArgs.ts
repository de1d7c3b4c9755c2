/**
 * Per-sample vector arguments (adaLN shift / scale / gate) of the op kernels; see src/ops/sampleVectors.ts for
 * the addressing. The vectors of all samples live in one buffer, typically a model's whole adaLN output.
 */
import type { BufferSlice } from '../bufferArgs';
import type { SampleVectorLayout } from '../../ops/sampleVectors';

export interface SampleVectorsArg extends SampleVectorLayout {
  readonly buffer: BufferSlice;
}

/** Elements the buffer must hold for `samples` vectors of `channels` values in `layout`. */
export function sampleVectorsExtent(layout: SampleVectorLayout, samples: number, channels: number): number {
  return layout.offset + (samples - 1) * layout.stride + channels;
}

/** Throws (via `fail`) unless the layout is made of non-negative integers and vectors do not overlap oddly. */
export function checkSampleVectorLayout(
  fail: (message: string) => never,
  name: string,
  layout: SampleVectorLayout,
  samples: number,
  channels: number,
): void {
  if (!Number.isInteger(layout.offset) || layout.offset < 0)
    fail(`${name}.offset must be a non-negative integer element offset, got ${layout.offset}`);
  if (!Number.isInteger(layout.stride) || layout.stride < 0)
    fail(`${name}.stride must be a non-negative integer, got ${layout.stride}`);
  if (samples > 1 && layout.stride < channels && layout.stride !== 0) {
    fail(
      `${name}.stride ${layout.stride} is below channels ${channels}: consecutive samples' vectors would overlap (use stride 0 to share one vector)`,
    );
  }
}
