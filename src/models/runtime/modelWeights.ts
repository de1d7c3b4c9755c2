/**
 * All weights of one loaded model on the GPU for one QuantSetting: a GpuLinear per LinearSpec and an f32
 * buffer per other tensor the forward reads. Owns every buffer; destroy() is idempotent. The memory report
 * compares what the Linear weights take on the GPU with params x bits / 8 (the scaling-law's bits).
 */
import { f16ArrayToF32, tensorAsF32, tensorF16Bits, type SafetensorsFile } from '../bundle/index.ts';
import type { QuantSetting } from '../../quant/setting';
import { GpuLinear, type HostWeight } from './gpuLinear';
import { uploadWords } from '../../gpu/buffers';
import { ModelError, requireLiveModel } from './errors';
import type { LinearSpec } from './layers';
import type { ActivationRecorder } from './linearInputs';
import type { PreparedLinear } from './methodWeights';

export interface LinearReport {
  readonly name: string;
  readonly kind: LinearSpec['kind'];
  readonly rows: number;
  readonly cols: number;
  readonly params: number;
  readonly codeBits: number;
  /** Bits per stored value: codeBits when quantised, else 16 (the bundle's f16 kept) or 32. */
  readonly storedBits: number;
  readonly weightBytes: number;
  readonly activationsQuantized: boolean;
}

export interface WeightReport {
  readonly setting: QuantSetting;
  /** Weights of all Linear layers (biases excluded). */
  readonly linearParams: number;
  /** GPU bytes of the Linear weights: packed codes + f16 scales (+ offsets), or the unquantised f16 / f32 weight. */
  readonly weightBytes: number;
  /** sum of params x stored bits / 8 over the Linear weights: the bytes with no scales and no padding. */
  readonly idealWeightBytes: number;
  /** GPU bytes of everything else: biases, embeddings, position tables, norms' parameters (f32). */
  readonly otherBytes: number;
  readonly layers: readonly LinearReport[];
}

export interface LoadWeightsOptions {
  /** Tensors uploaded as plain f32 buffers (embeddings, position tables, ...), by bundle name. */
  readonly f32Tensors: readonly string[];
  /** Calibrated static activation scales by Linear name (per-tensor activation settings). */
  readonly activationScales?: ReadonlyMap<string, number>;
  /** SmoothQuant / GPTQ weights by Linear name (prepareMethodWeights), used instead of quantising the bundle's. */
  readonly prepared?: ReadonlyMap<string, PreparedLinear>;
  /** Replaces a tensor's values before upload (e.g. a bias assembled from several tensors). */
  readonly overrides?: ReadonlyMap<string, Float32Array>;
  /** Per-Linear settings that replace the model's (a -mp allocation, src/engine/generation/mixedPrecisionSettings.ts). */
  readonly settingByLinear?: ReadonlyMap<string, QuantSetting>;
}

export class GpuModelWeights {
  readonly report: WeightReport;
  private readonly linears = new Map<string, GpuLinear>();
  private readonly tensors = new Map<string, GPUBuffer>();
  private destroyed = false;

  constructor(
    readonly device: GPUDevice,
    readonly owner: string,
    file: SafetensorsFile,
    specs: readonly LinearSpec[],
    readonly setting: QuantSetting,
    options: LoadWeightsOptions,
  ) {
    const read = (name: string) => options.overrides?.get(name) ?? tensorAsF32(file, name);
    // Linear weights stay as stored: f16 bits go to the GPU as they are, and are decoded to f32 only for a quantiser.
    const weightOf = (name: string): HostWeight => {
      const override = options.overrides?.get(name);
      if (override) return { values: () => override };
      if (file.tensors.get(name)?.dtype === 'F16') {
        const bits = tensorF16Bits(file, name);
        return { f16Bits: bits, values: () => f16ArrayToF32(bits) };
      }
      return { values: () => tensorAsF32(file, name) };
    };
    try {
      for (const spec of specs) {
        // A prepared bias replaces the bundle's (SmoothQuant's 1/s folded into an adaLN Linear).
        const bias =
          spec.bias === 'tensor' ? (options.prepared?.get(spec.name)?.bias ?? read(`${spec.name}.bias`)) : undefined;
        this.linears.set(
          spec.name,
          new GpuLinear(
            device,
            owner,
            spec,
            weightOf(`${spec.name}.weight`),
            bias,
            options.settingByLinear?.get(spec.name) ?? setting,
            options.activationScales?.get(spec.name),
            options.prepared?.get(spec.name),
          ),
        );
      }
      for (const name of options.f32Tensors)
        this.tensors.set(name, uploadWords(device, `${owner}.${name}`, read(name)));
    } catch (error) {
      this.destroy();
      throw error;
    }
    let otherBytes = 0;
    for (const b of this.tensors.values()) otherBytes += b.size;
    const layers: LinearReport[] = [...this.linears.values()].map((l) => ({
      name: l.spec.name,
      kind: l.spec.kind,
      rows: l.spec.rows,
      cols: l.spec.cols,
      params: l.spec.rows * l.spec.cols,
      codeBits: l.codeBits,
      storedBits: l.storedBits,
      weightBytes: l.weightBytes,
      activationsQuantized: l.quantizesActivations,
    }));
    for (const l of this.linears.values()) otherBytes += l.biasBytes;
    this.report = {
      setting,
      linearParams: layers.reduce((a, l) => a + l.params, 0),
      weightBytes: layers.reduce((a, l) => a + l.weightBytes, 0),
      idealWeightBytes: layers.reduce((a, l) => a + (l.params * l.storedBits) / 8, 0),
      otherBytes,
      layers,
    };
  }

  linear(name: string): GpuLinear {
    requireLiveModel(this.owner, this.destroyed);
    const l = this.linears.get(name);
    if (!l)
      throw new ModelError(
        'tensor-missing',
        `${this.owner} has no Linear "${name}".`,
        'Engine bug: the forward asks for a layer its LinearSpec list lacks.',
      );
    return l;
  }

  tensor(name: string): GPUBuffer {
    requireLiveModel(this.owner, this.destroyed);
    const t = this.tensors.get(name);
    if (!t)
      throw new ModelError(
        'tensor-missing',
        `${this.owner} did not upload "${name}".`,
        'Engine bug: add it to f32Tensors when loading.',
      );
    return t;
  }

  /** Routes every Linear's input to `recorder` while it is set (activation calibration). */
  setRecorder(recorder: ActivationRecorder | undefined): void {
    for (const l of this.linears.values()) l.recorder = recorder;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const l of this.linears.values()) l.destroy();
    for (const t of this.tensors.values()) t.destroy();
    this.linears.clear();
    this.tensors.clear();
  }
}
