/**
 * The whole-model check of a calibration-based method on the GPU, shared by methods.test.ts (SmoothQuant, GPTQ) and
 * lowRank.test.ts (-lr): calibrate the fp32 model on the golden inputs (calibrateLinearInputs), prepareMethodWeights,
 * load the model at the setting with the prepared weights, and compare its forward with the CPU reference whose
 * Linears `linears` builds from the same prepared weights. K/V stay f32 in the GPU model, as in the reference: the
 * checks (to 1e-5 for weight-only settings) are of the prepared weights, below the f16 KV cache's own ~1e-4
 * (test/gpu/ops/attentionKvF16.test.ts, varKvCache.test.ts).
 */
import { expect } from 'vitest';
import { testDevice } from '../device';
import { FULL_PRECISION, parseSetting, type QuantSetting } from '../../../src/quant/setting';
import { calibrateLinearInputs } from '../../../src/models/runtime/linearInputs';
import { prepareMethodWeights, type PreparedLinear } from '../../../src/models/runtime/methodWeights';
import { activationQuantized, type LinearSpec } from '../../../src/models/runtime/layers';
import { fakeQuantActivations } from '../../../src/quant';
import { smoothActivations } from '../../../src/quant/smoothQuant';
import type { WeightReport } from '../../../src/models/runtime/modelWeights';
import { VarModel } from '../../../src/models/var/varModel';
import { varTeacherForcedLogits } from '../../../src/models/var/varTeacherForced';
import { varLinearSpecs } from '../../../src/models/var/varConfig';
import { DitModel } from '../../../src/models/dit/ditModel';
import { ditForwardOnce } from '../../../src/models/dit/ditForward';
import { ditLinearSpecs } from '../../../src/models/dit/ditConfig';
import { maxRelativeError } from '../../../tools/parity/src/compare';
import { loadDitBundle, loadVarBundle } from './bundles';
import type { LinearFn } from './reference/refLinears';
import { VarReference } from './reference/varReference';
import { DitReference } from './reference/ditReference';
import type { TensorReader } from './tensors';

const KV = 'f32';
const noHooks = { progress: () => undefined, checkpoint: async () => undefined };

export interface PreparedCheck {
  readonly setting: string;
  /** Of max |reference|. */
  readonly tolerance: number;
  /** The reference Linears with the prepared ones swapped in. */
  readonly linears: (
    file: TensorReader,
    specs: readonly LinearSpec[],
    setting: QuantSetting,
    prepared: ReadonlyMap<string, PreparedLinear>,
  ) => LinearFn;
  /** The output must differ from the fp32 golden by this many times the error, else the check proves nothing. */
  readonly minChangeRatio: number;
  /** More checks on the loaded model (e.g. its bit accounting). */
  readonly after?: (report: WeightReport, setting: QuantSetting, specs: readonly LinearSpec[], total: number) => void;
}

/** A prepared Linear's input as the engine feeds its weight: times the run-time 1/s if any, then fake-quantised. */
export function preparedInput(
  x: Float32Array,
  m: number,
  spec: LinearSpec,
  setting: QuantSetting,
  p: PreparedLinear,
): Float32Array {
  const input = p.inputScale ? smoothActivations(x, m, spec.cols, p.inputScale) : x;
  if (!activationQuantized(setting, spec.kind)) return input;
  const scaling = setting.activation.perTensor
    ? { kind: 'tensor' as const, scale: p.staticScale ?? NaN }
    : { kind: 'token' as const };
  return fakeQuantActivations(input, m, spec.cols, setting.activation.format, scaling);
}

function compare(id: string, check: PreparedCheck, out: Float32Array, ref: Float32Array, golden: Float32Array) {
  const err = maxRelativeError(out, ref);
  const vsFp = maxRelativeError(out, golden);
  console.log(`${id} ${check.setting}: vs reference ${err.toExponential(2)}, vs fp32 golden ${vsFp.toExponential(2)}`);
  expect(err).toBeLessThan(check.tolerance);
  expect(vsFp, 'quantisation must change the output, else the check proves nothing').toBeGreaterThan(
    check.minChangeRatio * err,
  );
}

/** VAR: teacher-forced logits of the golden label and input. */
export async function checkVarPrepared(id: string, check: PreparedCheck): Promise<void> {
  const device = await testDevice();
  const { bundle, weights, goldens: g } = await loadVarBundle(id);
  const setting = parseSetting(check.setting);
  const config = bundle.manifest.config;
  const label = g.i32('tf.label')[0];
  const input = g.f32('tf.input');
  const fp = VarModel.load(device, bundle, FULL_PRECISION, { kvFormat: KV });
  const stats = await calibrateLinearInputs(
    fp.weights,
    () => varTeacherForcedLogits(fp, [label], input),
    () => true,
  ).finally(() => fp.destroy());
  const specs = varLinearSpecs(config);
  const prepared = await prepareMethodWeights(setting, specs, (n) => weights.f32(n), stats, noHooks);
  expect(prepared.size).toBe(specs.filter((s) => setting.layers.includes(s.kind)).length);
  const model = VarModel.load(device, bundle, setting, { prepared, kvFormat: KV });
  try {
    const logits = await varTeacherForcedLogits(model, [label], input);
    const linears = check.linears(weights, specs, setting, prepared);
    const ref = new VarReference(config, weights, linears).teacherForced(label, input);
    compare(id, check, logits, ref, g.f32('tf.logits'));
    check.after?.(model.report, setting, specs, bundle.manifest.params.total);
  } finally {
    model.destroy();
  }
}

/** DiT: one plain forward of the golden x, t and y. */
export async function checkDitPrepared(id: string, check: PreparedCheck): Promise<void> {
  const device = await testDevice();
  const { bundle, weights, goldens: g } = await loadDitBundle(id);
  const setting = parseSetting(check.setting);
  const config = bundle.manifest.config;
  const t = Array.from(g.i32('tf.t'));
  const y = Array.from(g.i32('tf.y'));
  const x = g.f32('tf.x');
  const fp = DitModel.load(device, bundle, FULL_PRECISION);
  const stats = await calibrateLinearInputs(
    fp.weights,
    () => ditForwardOnce(fp, x, t, y),
    () => true,
  ).finally(() => fp.destroy());
  const specs = ditLinearSpecs(config);
  const prepared = await prepareMethodWeights(setting, specs, (n) => weights.f32(n), stats, noHooks);
  const model = DitModel.load(device, bundle, setting, { prepared });
  try {
    const out = await ditForwardOnce(model, x, t, y);
    const ref = new DitReference(config, weights, check.linears(weights, specs, setting, prepared)).forward(x, t, y);
    compare(id, check, out, ref, g.f32('tf.out'));
    check.after?.(model.report, setting, specs, bundle.manifest.params.total);
  } finally {
    model.destroy();
  }
}
