/**
 * NearestCodeKernel: vector quantisation lookup (shaders/ops/nearest_code.wgsl; reference nearestCodeRef in
 * src/ops/vq.ts): indices[n] = argmin_v |features[n, :] - codebook[v, :]|^2, the lowest index on ties.
 * features f32 [rows, channels], codebook f32 [codes, channels], indices u32 [rows]. Used by the
 * representation-SNR experiment to re-quantise features. The exact squared distance is used; PyTorch's
 * quantiser expands it as |z|^2 + |e|^2 - 2 z.e, which can only disagree on near-ties (relative gap ~1e-6).
 */
import nearestCodeWgsl from '../../../shaders/ops/nearest_code.wgsl?raw';
import { OpKernel, requireNoAliasing, type BufferSlice } from './opKernel';

const OWNER = 'NearestCodeKernel';

export interface NearestCodeArgs {
  readonly features: BufferSlice;
  readonly codebook: BufferSlice;
  readonly indices: BufferSlice;
  readonly rows: number;
  readonly codes: number;
  readonly channels: number;
}

export class NearestCodeKernel extends OpKernel<NearestCodeArgs> {
  constructor(device: GPUDevice) {
    super(device, OWNER, nearestCodeWgsl, { 0: 'uniform', 1: 'read', 2: 'read', 3: 'write' });
  }

  encode(encoder: GPUCommandEncoder, args: NearestCodeArgs): void {
    this.requireLive();
    const { rows, codes, channels } = args;
    for (const [name, value] of Object.entries({ rows, codes, channels })) this.requirePositive(name, value);
    const features = this.storage('features', args.features, rows * channels, `f32 features [${rows}, ${channels}]`);
    const codebook = this.storage('codebook', args.codebook, codes * channels, `f32 codebook [${codes}, ${channels}]`);
    const indices = this.storage('indices', args.indices, rows, `u32 indices [${rows}]`);
    requireNoAliasing(OWNER, { indices }, { features, codebook });
    this.dispatch(
      encoder,
      'main',
      {},
      [rows, codes, channels],
      { 1: features, 2: codebook, 3: indices },
      this.grid(rows),
    );
  }
}
