/**
 * SmoothQuant and GPTQ weights in a whole model forward on the GPU against the CPU reference forward
 * (reference/*.ts) fed the same prepared weights: calibration on the GPU (calibrateLinearInputs on the fp32
 * model's pass over the golden inputs), prepareMethodWeights, then the quantised model's forward vs a reference
 * whose Linears are dequantizeWeight(prepared.packed) with inputs smoothActivations + fakeQuantActivations.
 * This checks the engine path end to end (prepared weights reach the right Linear, the 1/s multiply happens
 * inside the activation kernel, static smoothed scales); the methods themselves are checked in test/quant.
 * Tolerances as quantized.test.ts: 1e-5 of max |reference| with f32 activations, 5e-3 with INT8 activations.
 */
import { describe, it } from 'vitest';
import { checkDitPrepared, checkVarPrepared, preparedInput } from './preparedForward';
import type { QuantSetting } from '../../../src/quant/setting';
import { dequantizeWeight, matmulReference, quantizeWeight } from '../../../src/quant';
import type { PreparedLinear } from '../../../src/models/runtime/methodWeights';
import { weightQuantized, type LinearSpec } from '../../../src/models/runtime/layers';
import { bundleIds } from './bundles';
import { refLinears, type LinearFn } from './reference/refLinears';
import type { TensorReader } from './tensors';

const CASES = [
  { setting: 'W4g32-A8-sq0.5', tolerance: 5e-3 },
  { setting: 'W8g32-A8t-sq0.5', tolerance: 5e-3 },
  { setting: 'W3g32-gptq', tolerance: 1e-5 },
  { setting: 'W4c-A8-gptq', tolerance: 5e-3 },
];

/** The reference Linears with the prepared ones swapped in (everything else as refLinears). */
function preparedLinears(
  file: TensorReader,
  specs: readonly LinearSpec[],
  setting: QuantSetting,
  prepared: ReadonlyMap<string, PreparedLinear>,
): LinearFn {
  const plain = refLinears(file, specs, setting);
  const bySpec = new Map(specs.map((s) => [s.name, s]));
  const weights = new Map(
    [...prepared].flatMap(([name, p]) =>
      p.packed || p.weight ? [[name, p.packed ? dequantizeWeight(p.packed) : p.weight!] as const] : [],
    ),
  );
  return (name, x, m) => {
    const p = prepared.get(name);
    // Entries with neither weight nor bias (SmoothQuant's plain RTN Linears) only carry a static scale.
    if (!p || (!weights.has(name) && !p.bias && !setting.activation.perTensor)) return plain(name, x, m);
    const spec = bySpec.get(name)!;
    const input = preparedInput(x, m, spec, setting, p);
    const w = weights.get(name) ?? plainWeight(file, spec, setting);
    return matmulReference(
      input,
      m,
      spec.cols,
      w,
      spec.rows,
      spec.bias === 'tensor' ? (p.bias ?? file.f32(`${name}.bias`)) : undefined,
    );
  };
}

/** The bundle's weight as the setting's RTN leaves it (dequantised), for prepared entries without their own. */
function plainWeight(file: TensorReader, spec: LinearSpec, setting: QuantSetting): Float32Array {
  const w = file.f32(`${spec.name}.weight`);
  return weightQuantized(setting, spec.kind) && setting.weight
    ? dequantizeWeight(quantizeWeight(w, spec.rows, spec.cols, setting.weight.format, setting.weight.granularity))
    : w;
}

describe('SmoothQuant / GPTQ VAR (GPU) vs the CPU reference with the same prepared weights', () => {
  const id = bundleIds('var')[0];
  for (const c of CASES)
    it.runIf(id !== undefined)(`${id}: ${c.setting} teacher-forced logits`, () =>
      checkVarPrepared(id!, { ...c, linears: preparedLinears, minChangeRatio: 10 }),
    );
});

describe('SmoothQuant / GPTQ DiT (GPU) vs the CPU reference with the same prepared weights', () => {
  const id = bundleIds('dit')[0];
  for (const c of CASES)
    it.runIf(id !== undefined)(`${id}: ${c.setting} plain forward`, () =>
      checkDitPrepared(id!, { ...c, linears: preparedLinears, minChangeRatio: 10 }),
    );
});
