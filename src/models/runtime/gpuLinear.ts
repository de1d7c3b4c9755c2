/**
 * One Linear layer on the GPU: Y[m, N] = fakeQuant(X)[m, K] W^T + bias, where W is a GpuPackedWeight
 * (QuantMatmulKernel decodes it on the fly) when the setting quantises this layer kind, else an f32 buffer
 * (MatmulF32Kernel), and fakeQuant is ActivationQuantKernel when the setting quantises this layer's
 * activations (per token, or per tensor with a calibrated static scale), else the identity.
 * SmoothQuant and GPTQ settings come with a PreparedLinear (methodWeights.ts): its packed (or smoothed f32)
 * weight replaces the bundle's, and its inputScale multiplies X inside the activation fake quant.
 * Owns its weight and bias buffers; destroy() is idempotent.
 */
import { GpuPackedWeight } from '../../kernels';
import type { BufferSlice } from '../../kernels';
import { codeBits, quantizeWeight, settingToString } from '../../quant';
import type { ActivationFormat, ActivationScaling } from '../../quant/formats';
import type { QuantSetting } from '../../quant/setting';
import { activationQuantized, weightQuantized, type LinearSpec } from './layers';
import { uploadWords } from '../../gpu/buffers';
import { ModelError } from './errors';
import type { KernelSet } from './kernelSet';
import type { ActivationRecorder } from './linearInputs';
import type { PreparedLinear } from './methodWeights';

export interface LinearEncodeArgs {
  /** f32 [m, K]. */
  readonly x: BufferSlice;
  /** f32 [m, N]; a different buffer from x. */
  readonly y: BufferSlice;
  readonly m: number;
  /** f32 scratch of at least m * K values (the fake-quantised X), used only when activations are quantised. */
  readonly scratch: BufferSlice;
}

export class GpuLinear {
  readonly spec: LinearSpec;
  /** Bits per stored weight code (32 for f32 weights). */
  readonly codeBits: number;
  /** GPU bytes of the weight (codes + scales + offsets, or f32). */
  readonly weightBytes: number;
  readonly biasBytes: number;
  private readonly packed: GpuPackedWeight | undefined;
  private readonly f32Weight: GPUBuffer | undefined;
  private readonly bias: GPUBuffer | undefined;
  /** SmoothQuant's 1/s per input channel, f32 [cols]. */
  private readonly inputScale: GPUBuffer | undefined;
  private readonly activation: { format: Exclude<ActivationFormat, { kind: 'none' }>; scaling: ActivationScaling } | undefined;
  private destroyed = false;
  /** Set during activation calibration: gets every input this layer is encoded with. */
  recorder: ActivationRecorder | undefined;

  constructor(device: GPUDevice, owner: string, spec: LinearSpec, weight: Float32Array, bias: Float32Array | undefined, setting: QuantSetting, staticScale?: number, prepared?: PreparedLinear) {
    this.spec = spec;
    const label = `${owner}.${spec.name}`;
    // Settings checks first: nothing is uploaded for a layer that cannot be built.
    const method = setting.method.kind;
    const needsPrepared = method === 'smoothquant' ? activationQuantized(setting, spec.kind) : method === 'gptq' && weightQuantized(setting, spec.kind);
    if (needsPrepared && !prepared) {
      throw new ModelError(
        'calibration-missing',
        `${settingToString(setting)}: ${spec.name} needs weights prepared from calibration data (${method}), and none were given.`,
        'Prepare them with prepareMethodWeights (src/models/runtime/methodWeights.ts) and pass them when loading the model.',
      );
    }
    staticScale = prepared?.staticScale ?? staticScale;
    const format = setting.activation.format;
    if (activationQuantized(setting, spec.kind) && format.kind !== 'none') {
      if (setting.activation.perTensor && staticScale === undefined) {
        throw new ModelError(
          'calibration-missing',
          `${settingToString(setting)} quantises activations per tensor, but no calibrated scale was given for ${spec.name}.`,
          'Calibrate the activation scales first (calibrateActivationScales) and pass them when loading the model.',
        );
      }
      this.activation = { format, scaling: setting.activation.perTensor ? { kind: 'tensor', scale: staticScale! } : { kind: 'token' } };
    }
    if (prepared?.inputScale && !this.activation) {
      throw new ModelError('setting-unsupported', `${settingToString(setting)}: ${spec.name} has a SmoothQuant input scale but no activation quantisation to apply it in.`, 'Use SmoothQuant with an activation format (e.g. -A8).');
    }
    if (weightQuantized(setting, spec.kind) && setting.weight) {
      const options = setting.method.kind === 'clip' ? { clip: {} } : {};
      const packed = prepared?.packed ?? quantizeWeight(weight, spec.rows, spec.cols, setting.weight.format, setting.weight.granularity, options);
      this.packed = GpuPackedWeight.upload(device, packed, label);
      this.codeBits = codeBits(setting.weight.format);
      this.weightBytes = this.packed.byteLength;
    } else {
      const f32 = prepared?.weight ?? weight;
      this.f32Weight = uploadWords(device, `${label}.weight`, f32);
      this.codeBits = 32;
      this.weightBytes = f32.byteLength;
    }
    this.bias = bias ? uploadWords(device, `${label}.bias`, bias) : undefined;
    this.inputScale = prepared?.inputScale ? uploadWords(device, `${label}.inputScale`, prepared.inputScale) : undefined;
    this.biasBytes = bias?.byteLength ?? 0;
  }

  /** True when the input goes through activation fake quantisation. */
  get quantizesActivations(): boolean {
    return this.activation !== undefined;
  }

  encode(encoder: GPUCommandEncoder, kernels: KernelSet, args: LinearEncodeArgs): void {
    if (this.destroyed) throw new ModelError('model-destroyed', `Linear ${this.spec.name} was destroyed.`, 'Load the model again.');
    const { rows: n, cols: k } = this.spec;
    this.recorder?.record(encoder, this.spec.name, args.x, args.m * k);
    // INT activations with INT4/INT8 weights: integer products (Dot4MatmulKernel, one quantise pass into scratch)
    // where the WGSL language feature exists on a GPU adapter (kernels.dot4.preferred); otherwise fake quantisation +
    // the f32-arithmetic matmul below.
    if (this.activation && this.packed && this.activation.format.kind === 'int' && kernels.dot4.preferred && kernels.dot4.supports(this.packed, k, this.activation.format) === undefined) {
      kernels.dot4.encode(encoder, { weight: this.packed, x: args.x, xq: args.scratch, y: args.y, m: args.m, k, bias: this.bias, format: this.activation.format, scaling: this.activation.scaling, channelScale: this.inputScale });
      return;
    }
    let input = args.x;
    if (this.activation) {
      kernels.activationQuant.encode(encoder, { x: args.x, y: args.scratch, tokens: args.m, cols: k, ...this.activation, channelScale: this.inputScale });
      input = args.scratch;
    }
    if (this.packed) {
      kernels.quantMatmul.encode(encoder, { weight: this.packed, x: input, y: args.y, m: args.m, k, bias: this.bias });
    } else {
      kernels.matmulF32.encode(encoder, { w: this.f32Weight!, n, k, x: input, y: args.y, m: args.m, bias: this.bias });
    }
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.packed?.destroy();
    this.f32Weight?.destroy();
    this.bias?.destroy();
    this.inputScale?.destroy();
  }
}
