/**
 * -lr<r> in a whole model forward on the GPU against the CPU reference of the same math (reference/*.ts): calibration
 * on the GPU (the fp32 model's pass over the golden inputs), prepareMethodWeights, then per Linear
 *   y = fakeQuant(x c) dequant(R)^T + b + (x down^T) up^T        (c: run-time 1/s, or none where it is folded)
 * with the CPU's products in f64. This checks the engine path end to end (the residual reaches the low-bit kernel,
 * the branch is added from the Linear's own input, folds, run-time 1/s, bits in the report); the split itself is
 * checked in test/quant/lowRank.test.ts and test/models/lowRankWeights.test.ts.
 * Tolerances (of max |reference|): 1e-5 with f32 activations (W3g32-lr8: the same weights, f32 vs f64 sums);
 * 5e-3 with INT4 activations, as the other activation-quantised model tests (an element within an f32 ulp of an
 * INT4 rounding tie would move a whole step; measured 2.6e-7 / 3.1e-7, so no code moved on these inputs).
 */
import { describe, expect, it } from 'vitest';
import { checkDitPrepared, checkVarPrepared, preparedInput } from './preparedForward';
import type { QuantSetting } from '../../../src/quant/setting';
import { dequantizeWeight, matmulReference } from '../../../src/quant';
import { addLowRankBranch } from '../../../src/quant/lowRank';
import type { PreparedLinear } from '../../../src/models/runtime/methodWeights';
import type { LinearSpec } from '../../../src/models/runtime/layers';
import { bitAccounting } from '../../../src/engine/quality/bitAccounting';
import type { WeightReport } from '../../../src/models/runtime/modelWeights';
import { packedWeightBytes } from '../../../src/models/runtime/memoryPlan';
import { bundleIds } from './bundles';
import { refLinears, type LinearFn } from './reference/refLinears';
import type { TensorReader } from './tensors';

const CASES = [
  { setting: 'W4g32-A4-lr8', tolerance: 5e-3 },
  { setting: 'W3g32-lr8', tolerance: 1e-5 },
];

function lowRankLinears(
  file: TensorReader,
  specs: readonly LinearSpec[],
  setting: QuantSetting,
  prepared: ReadonlyMap<string, PreparedLinear>,
): LinearFn {
  const plain = refLinears(file, specs, setting);
  const bySpec = new Map(specs.map((s) => [s.name, s]));
  const residuals = new Map([...prepared].map(([name, p]) => [name, dequantizeWeight(p.packed!)] as const));
  return (name, x, m) => {
    const p = prepared.get(name);
    if (!p) return plain(name, x, m);
    const spec = bySpec.get(name)!;
    const input = preparedInput(x, m, spec, setting, p);
    const bias = spec.bias === 'tensor' ? (p.bias ?? file.f32(`${name}.bias`)) : undefined;
    const y = matmulReference(input, m, spec.cols, residuals.get(name)!, spec.rows, bias);
    return addLowRankBranch(y, x, m, spec.rows, spec.cols, p.lowRank!);
  };
}

/**
 * The branch's f16 factors are in the report's weight bytes, so the accounting counts them at 16 bits: the quantised
 * Linears' bits are exactly the packed residuals' (the size of any packed weight of that shape and format) plus
 * (N + K) r f16 values per Linear (each factor in whole 32-bit words).
 */
function checkBits(report: WeightReport, setting: QuantSetting, specs: readonly LinearSpec[], total: number) {
  const rank = setting.transforms!.lowRank!;
  const quantised = specs.filter((s) => setting.layers.includes(s.kind));
  const words = (halves: number) => Math.ceil(halves / 2) * 32;
  const branchBits = quantised.reduce((a, s) => a + words(s.rows * rank) + words(rank * s.cols), 0);
  const residualBits = quantised.reduce((a, s) => {
    const p = packedWeightBytes(s.rows, s.cols, setting.weight!.format, setting.weight!.granularity);
    return a + (p.codes + p.scales + p.offsets) * 8;
  }, 0);
  const bits = bitAccounting(report, setting, total);
  expect(bits.linearBits).toBe(residualBits + branchBits);
  const params = quantised.reduce((a, s) => a + s.rows * s.cols, 0);
  console.log(
    `-lr${rank}: branch ${(branchBits / params).toFixed(3)} bits/weight, residual ${(residualBits / params).toFixed(3)}, quantised Linears ${(bits.linearBits / params).toFixed(3)} bits/weight (${params} weights)`,
  );
}

describe('-lr VAR (GPU) vs the CPU reference with the same prepared weights', () => {
  const id = bundleIds('var')[0];
  for (const c of CASES)
    it.runIf(id !== undefined)(`${id}: ${c.setting} teacher-forced logits`, () =>
      checkVarPrepared(id!, { ...c, linears: lowRankLinears, minChangeRatio: 2, after: checkBits }),
    );
});

describe('-lr DiT (GPU) vs the CPU reference with the same prepared weights', () => {
  const id = bundleIds('dit')[0];
  for (const c of CASES)
    it.runIf(id !== undefined)(`${id}: ${c.setting} plain forward`, () =>
      checkDitPrepared(id!, { ...c, linears: lowRankLinears, minChangeRatio: 2, after: checkBits }),
    );
});
