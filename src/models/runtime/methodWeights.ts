/**
 * Weights prepared by a calibration-based method before upload, per Linear name: SmoothQuant (W diag(s)
 * quantised with the setting's quantiser, plus the 1/s the activation is multiplied by before its fake quant)
 * and GPTQ (the packed weight from gptqQuantize on H = 2 X^T X). GpuLinear takes a PreparedLinear in place of
 * quantising the bundle's weight itself. Linears the setting leaves alone get no entry.
 *
 * GPTQ here uses Hessians from the full-precision model's inputs for every layer at once (one calibration run),
 * not the published sequential recipe that re-collects each block's inputs after quantising the blocks before it.
 */
import { quantizeWeight } from '../../quant/quantizeWeight';
import { smoothLinear, smoothedTensorScale } from '../../quant/smoothQuant';
import { gptqHessian, gptqQuantize } from '../../quant/gptq';
import type { PackedWeight } from '../../quant/formats';
import { settingToString, type QuantSetting } from '../../quant/setting';
import { activationQuantized, weightQuantized, type LinearSpec } from './layers';
import type { LinearInputStats } from './calibration';
import { ModelError } from './errors';

export interface PreparedLinear {
  /** The weight to upload packed (quantised already). */
  readonly packed?: PackedWeight;
  /** The weight to upload as f32 (a smoothed weight the setting does not quantise). */
  readonly weight?: Float32Array;
  /** f32 [cols]: SmoothQuant's 1/s, applied to the input before its fake quantisation. */
  readonly inputScale?: Float32Array;
  /** Static per-tensor activation scale of the smoothed input (per-tensor activation settings). */
  readonly staticScale?: number;
}

export interface MethodHooks {
  /** Called before each layer GPTQ quantises: (index from 1, count, Linear name). */
  progress(done: number, total: number, name: string): void;
  /** Awaited between layers: throw to cancel (the engine checks for a cancel here). */
  checkpoint(): Promise<void>;
}

/** The Linears a method changes, and whether it needs X^T X for them. */
export function methodLinears(setting: QuantSetting, specs: readonly LinearSpec[]): LinearSpec[] {
  const m = setting.method.kind;
  if (m === 'smoothquant') return specs.filter((s) => activationQuantized(setting, s.kind));
  if (m === 'gptq') return specs.filter((s) => weightQuantized(setting, s.kind));
  return [];
}

export function requireMethodSupported(setting: QuantSetting): void {
  if (setting.method.kind === 'smoothquant' && setting.activation.format.kind === 'none') {
    throw new ModelError(
      'setting-unsupported',
      `${settingToString(setting)}: SmoothQuant moves activation outliers into the weights so that activations quantise better; with A16 there is no activation quantisation to help.`,
      'Add an activation format (e.g. W8c-A8-sq0.5) or drop the sq method.',
    );
  }
}

export async function prepareMethodWeights(
  setting: QuantSetting,
  specs: readonly LinearSpec[],
  read: (name: string) => Float32Array,
  stats: ReadonlyMap<string, LinearInputStats>,
  hooks: MethodHooks,
): Promise<Map<string, PreparedLinear>> {
  requireMethodSupported(setting);
  const method = setting.method;
  const targets = methodLinears(setting, specs);
  const out = new Map<string, PreparedLinear>();
  for (let i = 0; i < targets.length; i++) {
    const spec = targets[i];
    const s = stats.get(spec.name);
    if (!s || (method.kind === 'gptq' && !s.gram)) {
      throw new ModelError('calibration-missing', `${settingToString(setting)} needs calibration data for ${spec.name}, which the calibration run did not record.`, 'Calibrate with calibrateLinearInputs on the full-precision model (with X^T X for GPTQ).');
    }
    const w = read(`${spec.name}.weight`);
    if (method.kind === 'smoothquant') {
      const smoothed = smoothLinear(w, spec.rows, spec.cols, s.channelAbsMax, method.alpha);
      const format = setting.activation.format;
      const staticScale = setting.activation.perTensor && format.kind !== 'none' ? smoothedTensorScale(s.channelAbsMax, smoothed.inputScale, format) : undefined;
      const packed = weightQuantized(setting, spec.kind) && setting.weight ? quantizeWeight(smoothed.weight, spec.rows, spec.cols, setting.weight.format, setting.weight.granularity) : undefined;
      out.set(spec.name, { packed, weight: packed ? undefined : smoothed.weight, inputScale: smoothed.inputScale, staticScale });
    } else if (method.kind === 'gptq' && setting.weight) {
      await hooks.checkpoint();
      hooks.progress(i + 1, targets.length, spec.name);
      out.set(spec.name, { packed: gptqQuantize(w, spec.rows, spec.cols, setting.weight.format, setting.weight.granularity, gptqHessian(s.gram!)) });
    }
  }
  if (method.kind === 'gptq') await hooks.checkpoint();
  return out;
}
