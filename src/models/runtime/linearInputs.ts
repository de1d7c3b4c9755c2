/**
 * Recording every Linear's input while a model runs, and reducing the recorded inputs: static activation scales
 * (absmax / qmax per Linear, for settings such as W8c-A8t), per-channel absmax (SmoothQuant) and X^T X (GPTQ).
 * This is the mechanism only; the calibration itself (which images, seeds, batches, and when it runs) has one
 * owner, src/engine/generation/calibration.ts.
 *
 *   const fp = VarModel.load(device, bundle, FULL_PRECISION);
 *   const scales = await calibrateActivationScales(fp.weights, { kind: 'int', bits: 8 }, () => new VarSampler(fp, tokenizer).sample({...}));
 *   const quantised = VarModel.load(device, bundle, parseSetting('W8c-A8t'), { activationScales: scales });
 */
import { calibrateActivationScale } from '../../quant/activation';
import type { ActivationFormat } from '../../quant/formats';
import type { BufferSlice } from '../../kernels';
import type { GpuModelWeights } from './modelWeights';
import { ModelError } from './errors';
import { GramAccumulator } from '../../quant/gptq';

/** Copies Linear inputs into mappable buffers while a run is encoded; `absMax()` reads them back. */
export class ActivationRecorder {
  private readonly copies: { name: string; staging: GPUBuffer; elements: number }[] = [];
  private destroyed = false;

  constructor(private readonly device: GPUDevice) {}

  record(encoder: GPUCommandEncoder, name: string, x: BufferSlice, elements: number): void {
    if (this.destroyed)
      throw new ModelError(
        'model-destroyed',
        'ActivationRecorder was destroyed.',
        'Create a new recorder for each calibration run.',
      );
    const buffer = 'buffer' in x ? x.buffer : x;
    const offset = 'buffer' in x ? (x.offset ?? 0) : 0;
    const staging = this.device.createBuffer({
      label: `ActivationRecorder.${name}`,
      size: elements * 4,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    encoder.copyBufferToBuffer(buffer, offset, staging, 0, elements * 4);
    this.copies.push({ name, staging, elements });
  }

  /** Every recorded input, as Float32Arrays per Linear name (reads back and frees the copies). */
  async samples(): Promise<Map<string, Float32Array[]>> {
    await this.device.queue.onSubmittedWorkDone();
    // All maps at once: awaiting hundreds of maps one by one costs a device round trip each (minutes for a
    // DiT calibration on a busy machine).
    await Promise.all(this.copies.map((copy) => copy.staging.mapAsync(GPUMapMode.READ)));
    const out = new Map<string, Float32Array[]>();
    for (const copy of this.copies) {
      const values = new Float32Array(copy.staging.getMappedRange().slice(0));
      copy.staging.destroy();
      const list = out.get(copy.name) ?? [];
      list.push(values);
      out.set(copy.name, list);
    }
    this.copies.length = 0;
    return out;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const copy of this.copies) copy.staging.destroy();
    this.copies.length = 0;
  }
}

/**
 * Runs `run` (which must encode the forward passes of the model owning `weights`) with every Linear's input
 * recorded, then returns absmax / qmax of `format` per Linear name. Calibrate a full-precision model (the
 * recorded inputs are then the unquantised activations, as static PTQ calibration does).
 */
export async function calibrateActivationScales(
  weights: GpuModelWeights,
  format: ActivationFormat,
  run: () => Promise<unknown>,
): Promise<Map<string, number>> {
  const samples = await recordLinearInputs(weights, run);
  const scales = new Map<string, number>();
  for (const [name, list] of samples) scales.set(name, calibrateActivationScale(list, format));
  return scales;
}

/** Every Linear input `run` encodes, per Linear name; the copies are freed also when `run` fails or is cancelled. */
async function recordLinearInputs(
  weights: GpuModelWeights,
  run: () => Promise<unknown>,
): Promise<Map<string, Float32Array[]>> {
  const recorder = new ActivationRecorder(weights.device);
  weights.setRecorder(recorder);
  try {
    try {
      await run();
    } finally {
      weights.setRecorder(undefined);
    }
    return await recorder.samples();
  } finally {
    recorder.destroy();
  }
}

/** What SmoothQuant and GPTQ need from calibration about one Linear's input X [tokens, cols]. */
export interface LinearInputStats {
  readonly cols: number;
  /** Rows of X seen. */
  readonly tokens: number;
  /** max_t |X_t,j| per input channel j (SmoothQuant's activation scale). */
  readonly channelAbsMax: Float32Array;
  /** X^T X (f64, full symmetric, cols x cols) when asked for (GPTQ's Hessian is twice it). */
  readonly gram?: Float64Array;
}

/**
 * Runs `run` (forward passes of the model owning `weights`, normally the fp32 model) with every Linear's input
 * recorded and reduces each recorded input to per-channel absmax and, for the Linears `gramFor` accepts, X^T X
 * accumulated in f64 on the CPU (widths here are at most a few hundred, so this costs seconds at most).
 */
export async function calibrateLinearInputs(
  weights: GpuModelWeights,
  run: () => Promise<unknown>,
  gramFor: (name: string) => boolean = () => false,
): Promise<Map<string, LinearInputStats>> {
  return calibrateLinearInputsBatched(weights, [run], gramFor);
}

/**
 * calibrateLinearInputs over several runs (batches of calibration images), reducing each run's recorded inputs
 * before the next run starts, so that the staging copies of one batch at a time are alive (a 128-image DiT
 * calibration records ~1 GB of Linear inputs in all). The statistics equal those of one run over every batch.
 * `afterBatch` is called with the batch index after each reduction (progress).
 */
export async function calibrateLinearInputsBatched(
  weights: GpuModelWeights,
  runs: readonly (() => Promise<unknown>)[],
  gramFor: (name: string) => boolean = () => false,
  afterBatch?: (index: number) => void,
): Promise<Map<string, LinearInputStats>> {
  const acc = new Map<string, { cols: number; tokens: number; channelAbsMax: Float32Array; gram?: GramAccumulator }>();
  for (let b = 0; b < runs.length; b++) {
    const samples = await recordLinearInputs(weights, runs[b]);
    for (const [name, list] of samples) {
      let a = acc.get(name);
      if (!a) {
        const cols = weights.linear(name).spec.cols;
        a = {
          cols,
          tokens: 0,
          channelAbsMax: new Float32Array(cols),
          gram: gramFor(name) ? new GramAccumulator(cols) : undefined,
        };
        acc.set(name, a);
      }
      const { cols, channelAbsMax } = a;
      for (const x of list) {
        const rows = x.length / cols;
        for (let i = 0; i < x.length; i++) {
          const v = Math.abs(x[i]);
          if (!Number.isFinite(v))
            throw new ModelError(
              'calibration-missing',
              `calibration input of ${name} has a non-finite value.`,
              'The full-precision model must produce finite activations; check the bundle.',
            );
          const j = i % cols;
          if (v > channelAbsMax[j]) channelAbsMax[j] = v;
        }
        a.gram?.add(x, rows);
        a.tokens += rows;
      }
    }
    afterBatch?.(b);
  }
  const stats = new Map<string, LinearInputStats>();
  for (const [name, a] of acc)
    stats.set(name, { cols: a.cols, tokens: a.tokens, channelAbsMax: a.channelAbsMax, gram: a.gram?.gram() });
  return stats;
}
