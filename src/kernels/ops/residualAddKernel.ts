/**
 * ResidualAddKernel: the residual connections of the transformer blocks, in place on x [rows, channels]
 * (shaders/ops/residual_add.wgsl; reference residualAddRef in src/ops/elementwise.ts):
 *
 *   x[r, c] += gate[b, c] * y[r, c],  b = floor(r / tokensPerSample)     (with `gate`: VAR gamma1/2, DiT gate_msa/mlp)
 *   x[r, c] += y[r, c]                                                    (without)
 *
 * The gate vector of a sample is addressed inside one buffer (e.g. VAR gamma1 = { buffer: ada, stride: 6C,
 * offset: 0 }). x must not share a buffer with y or the gate.
 */
import residualAddWgsl from '../../../shaders/ops/residual_add.wgsl?raw';
import { OpKernel, requireNoAliasing, type BufferSlice } from './opKernel';
import { checkSampleVectorLayout, sampleVectorsExtent } from './sampleVectorArgs';
import type { SampleVectorLayout } from '../../ops/sampleVectors';

const OWNER = 'ResidualAddKernel';

export interface ResidualAddArgs {
  /** f32 [rows, channels], updated in place. */
  readonly x: BufferSlice;
  /** f32 [rows, channels]. */
  readonly y: BufferSlice;
  readonly rows: number;
  readonly channels: number;
  readonly gate?: SampleVectorLayout & { readonly buffer: BufferSlice; readonly tokensPerSample: number };
}

export class ResidualAddKernel extends OpKernel<ResidualAddArgs> {
  constructor(device: GPUDevice) {
    super(device, OWNER, residualAddWgsl, { 0: 'uniform', 1: 'read', 2: 'read', 3: 'write' });
  }

  encode(encoder: GPUCommandEncoder, args: ResidualAddArgs): void {
    this.requireLive();
    const { rows, channels, gate } = args;
    this.requirePositive('rows', rows);
    this.requirePositive('channels', channels);
    const count = rows * channels;
    const x = this.storage('x', args.x, count, `f32 x [${rows}, ${channels}]`);
    const y = this.storage('y', args.y, count, `f32 y [${rows}, ${channels}]`);
    let gateSlice = this.unused;
    let gateWords = [1, 0, 0];
    if (gate) {
      this.requirePositive('gate.tokensPerSample', gate.tokensPerSample);
      if (rows % gate.tokensPerSample !== 0)
        this.fail(
          `rows ${rows} is not a multiple of gate.tokensPerSample ${gate.tokensPerSample}; pass rows = batch * tokensPerSample`,
        );
      const samples = rows / gate.tokensPerSample;
      checkSampleVectorLayout((m) => this.fail(m), 'gate', gate, samples, channels);
      gateSlice = this.storage(
        'gate.buffer',
        gate.buffer,
        sampleVectorsExtent(gate, samples, channels),
        `gate vectors of ${samples} samples`,
      );
      gateWords = [gate.tokensPerSample, gate.stride, gate.offset];
    }
    requireNoAliasing(OWNER, { x }, { y, gate: gate ? gateSlice : undefined });
    const hasGate = gate ? 1 : 0;
    this.dispatch(
      encoder,
      `gate${hasGate}`,
      { HAS_GATE: hasGate },
      [count, channels, ...gateWords],
      { 1: y, 2: gateSlice, 3: x },
      this.elementwiseGrid(count),
    );
  }
}
