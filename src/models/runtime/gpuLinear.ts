/**
 * One Linear layer on the GPU: Y[m, N] = fakeQuant(X)[m, K] W^T + bias, where W is a GpuPackedWeight
 * (QuantMatmulKernel decodes it on the fly) when the setting quantises this layer kind, else the unquantised weight
 * as the bundle stores it (MatmulF32Kernel): f16 bit patterns stay f16 on the GPU (half the bytes of f32, and the
 * values are exactly the shipped ones), f32 stays f32. fakeQuant is ActivationQuantKernel when the setting quantises this layer's
 * activations (per token, or per tensor with a calibrated static scale), else the identity.
 * SmoothQuant and GPTQ settings come with a PreparedLinear (methodWeights.ts): its packed (or smoothed f32)
 * weight replaces the bundle's, and its inputScale multiplies X inside the activation fake quant.
 * -had (setting.transforms.hadamard) on a Linear whose weight or input the setting quantises: W' = W R is quantised
 * (or kept in f32) in place of W, and X R is computed at run time by HadamardKernel, fused with the activation fake
 * quant when there is one (y = fakeQuant(X R) (W R)^T + bias; R from src/quant/hadamard.ts, nothing stored).
 * The rotated path never takes the dot4 integer kernel (its quantiser would see the unrotated X).
 * -lr<r> (PreparedLinear.lowRank, src/quant/lowRank.ts): the packed weight is the quantised residual, and after the
 * residual's matmul the rank-r branch is added from the Linear's own input: t = x down^T (MatmulF32Kernel, f16
 * down) into the scratch, then y += t up^T (LowRankAddKernel, f16 up). Its f16 factors count in weightBytes.
 * Owns its weight and bias buffers; destroy() is idempotent.
 */
import { GpuPackedWeight } from '../../kernels';
import type { BufferSlice, DenseWeightFormat } from '../../kernels';
import { codeBits, quantizeWeight, settingToString } from '../../quant';
import type { ActivationFormat, ActivationScaling } from '../../quant/formats';
import type { QuantSetting } from '../../quant/setting';
import { activationQuantized, weightQuantized, type LinearSpec } from './layers';
import { uploadWords } from '../../gpu/buffers';
import { ModelError } from './errors';
import type { KernelSet } from './kernelSet';
import type { ActivationRecorder } from './linearInputs';
import { requireTransformsSupported, type PreparedLinear } from './methodWeights';
import { rotateRows } from '../../quant/hadamard';
import { f32ToF16Bits } from '../../quant/f16';

/**
 * A Linear's weight as the bundle holds it. `f16Bits`: the stored binary16 patterns, uploaded as they are when the
 * layer stays unquantised; `values()` decodes to f32 (exactly) only when a quantiser needs it, one tensor at a
 * time, so loading a quantised setting never holds an f32 copy of the whole model.
 */
export interface HostWeight {
  readonly f16Bits?: Uint16Array;
  values(): Float32Array;
}

/** f16 bit patterns as u32 words (element 2i in the low half, as unpack2x16float reads it), zero-padded to a whole word. */
function f16Words(bits: Uint16Array): Uint32Array {
  if (bits.length % 2 === 0 && bits.byteOffset % 4 === 0)
    return new Uint32Array(bits.buffer, bits.byteOffset, bits.length / 2);
  const words = new Uint32Array(Math.ceil(bits.length / 2));
  new Uint16Array(words.buffer).set(bits);
  return words;
}

export interface LinearEncodeArgs {
  /** f32 [m, K]. */
  readonly x: BufferSlice;
  /** f32 [m, N]; a different buffer from x. */
  readonly y: BufferSlice;
  readonly m: number;
  /** f32 scratch of at least m * K values (the fake-quantised or rotated X), used only when activations are quantised or rotated. */
  readonly scratch: BufferSlice;
}

export class GpuLinear {
  readonly spec: LinearSpec;
  /** Bits per weight code of a quantised weight; 32 for an unquantised one (f32 arithmetic, whether stored as f16 or f32: see weightBytes). */
  readonly codeBits: number;
  /** Bits per stored weight value: codeBits when quantised, else 16 (f16 kept) or 32 (f32). */
  readonly storedBits: number;
  /** GPU bytes of the weight (codes + scales + offsets, or the f16 / f32 buffer). */
  readonly weightBytes: number;
  readonly biasBytes: number;
  private readonly packed: GpuPackedWeight | undefined;
  /** The unquantised weight and how it is stored. */
  private readonly dense: { readonly buffer: GPUBuffer; readonly format: DenseWeightFormat } | undefined;
  private readonly bias: GPUBuffer | undefined;
  /** SmoothQuant's 1/s per input channel, f32 [cols]. */
  private readonly inputScale: GPUBuffer | undefined;
  private readonly activation:
    { format: Exclude<ActivationFormat, { kind: 'none' }>; scaling: ActivationScaling } | undefined;
  /** -had: the input is rotated by R (and the weight was, offline). */
  readonly rotated: boolean;
  /** -lr: the f16 branch factors, up [rows, rank] and down [rank, cols]. */
  private readonly lowRank: { readonly rank: number; readonly up: GPUBuffer; readonly down: GPUBuffer } | undefined;
  /** GPU bytes of the -lr branch (included in weightBytes); 0 without one. */
  readonly lowRankBytes: number;
  private destroyed = false;
  /** Set during activation calibration: gets every input this layer is encoded with. */
  recorder: ActivationRecorder | undefined;

  constructor(
    device: GPUDevice,
    owner: string,
    spec: LinearSpec,
    weight: HostWeight,
    bias: Float32Array | undefined,
    setting: QuantSetting,
    staticScale?: number,
    prepared?: PreparedLinear,
  ) {
    this.spec = spec;
    const label = `${owner}.${spec.name}`;
    // Settings checks first: nothing is uploaded for a layer that cannot be built.
    requireTransformsSupported(setting);
    const method = setting.method.kind;
    const needsPrepared =
      setting.transforms?.lowRank !== undefined
        ? weightQuantized(setting, spec.kind)
        : method === 'smoothquant'
          ? activationQuantized(setting, spec.kind)
          : method === 'gptq' && weightQuantized(setting, spec.kind);
    if (needsPrepared && !prepared) {
      throw new ModelError(
        'calibration-missing',
        `${settingToString(setting)}: ${spec.name} needs weights prepared from calibration data (${setting.transforms?.lowRank !== undefined ? 'low-rank split' : method}), and none were given.`,
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
      this.activation = {
        format,
        scaling: setting.activation.perTensor ? { kind: 'tensor', scale: staticScale! } : { kind: 'token' },
      };
    }
    if (prepared?.inputScale && !this.activation) {
      throw new ModelError(
        'setting-unsupported',
        `${settingToString(setting)}: ${spec.name} has a SmoothQuant input scale but no activation quantisation to apply it in.`,
        'Use SmoothQuant with an activation format (e.g. -A8).',
      );
    }
    this.rotated =
      setting.transforms?.hadamard === true &&
      (weightQuantized(setting, spec.kind) || activationQuantized(setting, spec.kind));
    // W' = W R (each row rotated), computed once, before any quantiser sees the weight.
    const rotatedWeight = this.rotated ? rotateRows(weight.values(), spec.rows, spec.cols) : undefined;
    if (weightQuantized(setting, spec.kind) && setting.weight) {
      const options = setting.method.kind === 'clip' ? { clip: {} } : {};
      const packed =
        prepared?.packed ??
        quantizeWeight(
          rotatedWeight ?? weight.values(),
          spec.rows,
          spec.cols,
          setting.weight.format,
          setting.weight.granularity,
          options,
        );
      this.packed = GpuPackedWeight.upload(device, packed, label);
      this.codeBits = codeBits(setting.weight.format);
      this.storedBits = this.codeBits;
      this.weightBytes = this.packed.byteLength;
    } else if (!prepared?.weight && !rotatedWeight && weight.f16Bits) {
      this.dense = { buffer: uploadWords(device, `${label}.weight`, f16Words(weight.f16Bits)), format: 'f16' };
      this.codeBits = 32;
      this.storedBits = 16;
      this.weightBytes = this.dense.buffer.size;
    } else {
      // A SmoothQuant-smoothed or Hadamard-rotated weight (computed in f32), or an f32 bundle tensor.
      this.dense = {
        buffer: uploadWords(device, `${label}.weight`, prepared?.weight ?? rotatedWeight ?? weight.values()),
        format: 'f32',
      };
      this.codeBits = 32;
      this.storedBits = 32;
      this.weightBytes = this.dense.buffer.size;
    }
    if (prepared?.lowRank && this.packed) {
      const { rank, up, down } = prepared.lowRank;
      if (up.length !== spec.rows * rank || down.length !== rank * spec.cols)
        throw new ModelError(
          'setting-unsupported',
          `${spec.name}: low-rank factors of ${up.length} and ${down.length} values do not match rank ${rank} of a ${spec.rows} x ${spec.cols} Linear.`,
          'Engine bug: prepare the branch for this Linear (prepareMethodWeights).',
        );
      this.lowRank = {
        rank,
        up: uploadWords(device, `${label}.lowRank.up`, f16Words(Uint16Array.from(up, f32ToF16Bits))),
        down: uploadWords(device, `${label}.lowRank.down`, f16Words(Uint16Array.from(down, f32ToF16Bits))),
      };
      this.lowRankBytes = this.lowRank.up.size + this.lowRank.down.size;
      this.weightBytes += this.lowRankBytes;
    } else this.lowRankBytes = 0;
    this.bias = bias ? uploadWords(device, `${label}.bias`, bias) : undefined;
    this.inputScale = prepared?.inputScale
      ? uploadWords(device, `${label}.inputScale`, prepared.inputScale)
      : undefined;
    this.biasBytes = bias?.byteLength ?? 0;
  }

  /** True when the input goes through activation fake quantisation. */
  get quantizesActivations(): boolean {
    return this.activation !== undefined;
  }

  encode(encoder: GPUCommandEncoder, kernels: KernelSet, args: LinearEncodeArgs): void {
    if (this.destroyed)
      throw new ModelError('model-destroyed', `Linear ${this.spec.name} was destroyed.`, 'Load the model again.');
    const { rows: n, cols: k } = this.spec;
    this.recorder?.record(encoder, this.spec.name, args.x, args.m * k);
    // INT activations with INT4/INT8 weights: integer products (Dot4MatmulKernel, one quantise pass into scratch)
    // where the WGSL language feature exists on a GPU adapter (kernels.dot4.preferred); otherwise fake quantisation +
    // the f32-arithmetic matmul below.
    if (
      !this.rotated &&
      this.activation &&
      this.packed &&
      this.activation.format.kind === 'int' &&
      kernels.dot4.preferred &&
      kernels.dot4.supports(this.packed, k, this.activation.format) === undefined
    ) {
      kernels.dot4.encode(encoder, {
        weight: this.packed,
        x: args.x,
        xq: args.scratch,
        y: args.y,
        m: args.m,
        k,
        bias: this.bias,
        format: this.activation.format,
        scaling: this.activation.scaling,
        channelScale: this.inputScale,
      });
      this.encodeLowRank(encoder, kernels, args);
      return;
    }
    let input = args.x;
    if (this.rotated) {
      kernels.hadamard.encode(encoder, {
        x: args.x,
        y: args.scratch,
        tokens: args.m,
        cols: k,
        format: this.activation?.format ?? { kind: 'none' },
        scaling: this.activation?.scaling ?? { kind: 'token' },
      });
      input = args.scratch;
    } else if (this.activation) {
      kernels.activationQuant.encode(encoder, {
        x: args.x,
        y: args.scratch,
        tokens: args.m,
        cols: k,
        ...this.activation,
        channelScale: this.inputScale,
      });
      input = args.scratch;
    }
    if (this.packed) {
      kernels.quantMatmul.encode(encoder, { weight: this.packed, x: input, y: args.y, m: args.m, k, bias: this.bias });
    } else {
      kernels.matmulF32.encode(encoder, {
        w: this.dense!.buffer,
        wFormat: this.dense!.format,
        n,
        k,
        x: input,
        y: args.y,
        m: args.m,
        bias: this.bias,
      });
    }
    this.encodeLowRank(encoder, kernels, args);
  }

  /** -lr: y += (x down^T) up^T after the residual's matmul, t in the scratch (free again by then). */
  private encodeLowRank(encoder: GPUCommandEncoder, kernels: KernelSet, args: LinearEncodeArgs): void {
    if (!this.lowRank) return;
    const { rank, up, down } = this.lowRank;
    const { rows: n, cols: k } = this.spec;
    kernels.matmulF32.encode(encoder, { w: down, wFormat: 'f16', n: rank, k, x: args.x, y: args.scratch, m: args.m });
    kernels.lowRankAdd.encode(encoder, { t: args.scratch, up, y: args.y, m: args.m, n, rank });
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.packed?.destroy();
    this.dense?.buffer.destroy();
    this.bias?.destroy();
    this.inputScale?.destroy();
    this.lowRank?.up.destroy();
    this.lowRank?.down.destroy();
  }
}
