/**
 * The Linear layers of the CPU reference forward: f32 weights from the bundle, or (for layers the setting
 * quantises) dequantizeWeight(quantizeWeight(w)) with activations through fakeQuantActivations first, exactly
 * the math the GPU path claims to do. Products accumulate in f64 (matmulReference) and round to f32.
 * -had: on those layers W R is quantised in place of W (rotateRows in f64, as GpuLinear does on the host) and x R
 * is fed in place of x, rotated in the kernel's f32 arithmetic (so the reference sees the GPU's bits).
 */
import { HADAMARD_SEED, rotateRows } from '../../../../src/quant/hadamard';
import { dequantizeWeight, fakeQuantActivations, matmulReference, quantizeWeight } from '../../../../src/quant';
import type { QuantSetting } from '../../../../src/quant/setting';
import { activationQuantized, weightQuantized, type LinearSpec } from '../../../../src/models/runtime/layers';
import type { TensorReader } from '../tensors';

export type LinearFn = (name: string, x: Float32Array, m: number) => Float32Array;

export interface RefLinearOptions {
  /** Static activation scales per layer name, for per-tensor activation settings. */
  readonly perTensorScales?: ReadonlyMap<string, number>;
  /** Per-Linear settings replacing `setting` (-mp allocations), as GpuModelWeights takes them. */
  readonly settingByLinear?: ReadonlyMap<string, QuantSetting>;
}

export function refLinears(
  file: TensorReader,
  specs: readonly LinearSpec[],
  modelSetting: QuantSetting,
  options: RefLinearOptions = {},
): LinearFn {
  const layers = new Map<string, { spec: LinearSpec; w: Float32Array; bias?: Float32Array; setting: QuantSetting }>();
  for (const spec of specs) {
    const setting = options.settingByLinear?.get(spec.name) ?? modelSetting;
    let w = file.f32(`${spec.name}.weight`);
    if (rotatedLayer(setting, spec)) w = rotateRows(w, spec.rows, spec.cols);
    if (weightQuantized(setting, spec.kind) && setting.weight) {
      const clip = setting.method.kind === 'clip' ? { clip: {} } : {};
      w = dequantizeWeight(
        quantizeWeight(w, spec.rows, spec.cols, setting.weight.format, setting.weight.granularity, clip),
      );
    }
    layers.set(spec.name, {
      spec,
      w,
      bias: spec.bias === 'tensor' ? file.f32(`${spec.name}.bias`) : undefined,
      setting,
    });
  }
  return (name, x, m) => {
    const layer = layers.get(name);
    if (!layer) throw new Error(`reference has no Linear ${name}`);
    const { spec, w, bias, setting } = layer;
    let input = rotatedLayer(setting, spec) ? rotateRows(x, m, spec.cols, HADAMARD_SEED, 'f32') : x;
    if (activationQuantized(setting, spec.kind)) {
      const scale = options.perTensorScales?.get(name);
      const scaling = setting.activation.perTensor
        ? { kind: 'tensor' as const, scale: scale ?? NaN }
        : { kind: 'token' as const };
      input = fakeQuantActivations(input, m, spec.cols, setting.activation.format, scaling);
    }
    return matmulReference(input, m, spec.cols, w, spec.rows, bias);
  };
}

function rotatedLayer(setting: QuantSetting, spec: LinearSpec): boolean {
  return (
    setting.transforms?.hadamard === true &&
    (weightQuantized(setting, spec.kind) || activationQuantized(setting, spec.kind))
  );
}
