/**
 * onnxruntime-web's MatMulNBits on our GPUDevice, as a baseline for our quantized matmul.
 *
 * - `onnxruntime-web/webgpu` is the native WebGPU engine; the default (JSEP) import has a MatMulNBits bug.
 * - The session gets our device (`executionProviders: [{ name: 'webgpu', device }]`). That it really is shared is
 *   checked by use: the input is our buffer, and `runAndRead` copies the output with our device's encoder, which
 *   WebGPU rejects for a buffer of another device. (ort.env.webgpu.device is no proof: in 1.30 it is only set for
 *   a device onnxruntime creates itself, and reading it before that creates one.)
 * - Activations live in our GPU buffers (`Tensor.fromGpuBuffer`) and the output stays on the GPU
 *   (`preferredOutputLocation: 'gpu-buffer'`), so a timed run is the op plus onnxruntime's per-run CPU work
 *   (feeds, output allocation from its buffer cache, dispatch), with no upload or download.
 * - Runs are queued: one session never has two `run` calls in flight.
 */
import * as ort from 'onnxruntime-web/webgpu';
// Global onnxruntime settings (one wasm thread, log level) are shared with the app's sessions.
import { configureOrt } from '../../../src/models/onnx/ortRuntime';
import { readBytesChecked } from '../../../src/gpu/buffers';
import type { MatMulNBitsModel } from './matMulNBitsModel';

export { configureOrt, ortVersion } from '../../../src/models/onnx/ortRuntime';

export type OrtInput = ort.Tensor;

export class OrtMatMulNBitsSession {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly device: GPUDevice,
    readonly model: MatMulNBitsModel,
  ) {}

  static async create(device: GPUDevice, model: MatMulNBitsModel): Promise<OrtMatMulNBitsSession> {
    configureOrt();
    const session = await ort.InferenceSession.create(model.bytes, {
      executionProviders: [{ name: 'webgpu', device }],
      preferredOutputLocation: 'gpu-buffer',
      graphOptimizationLevel: 'all',
    });
    return new OrtMatMulNBitsSession(session, device, model);
  }

  /** Wraps a STORAGE buffer holding A [m, k] f32 (no copy; disposing the tensor leaves the buffer alone). */
  input(activation: GPUBuffer, m: number): OrtInput {
    return ort.Tensor.fromGpuBuffer(activation, { dataType: 'float32', dims: [m, this.model.k] });
  }

  /** One queued run; the caller owns (and must dispose) the returned GPU tensor. */
  run(a: OrtInput): Promise<ort.Tensor> {
    const next = this.queue.then(async () => (await this.session.run({ A: a })).Y);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** A run whose output is released at once: the unit of work the bench times. */
  async runAndDispose(a: OrtInput): Promise<void> {
    (await this.run(a)).dispose();
  }

  /** Runs once and copies Y [m, n] back through *our* device's encoder, proving the buffer is ours. */
  async runAndRead(a: OrtInput, m: number): Promise<Float32Array> {
    const y = await this.run(a);
    try {
      if (y.location !== 'gpu-buffer')
        throw new Error(`MatMulNBits output is on '${y.location}', expected 'gpu-buffer'`);
      const read = await readBytesChecked(this.device, y.gpuBuffer as GPUBuffer, 0, m * this.model.n * 4);
      if ('error' in read)
        throw new Error(
          `copying onnxruntime's output with our device failed (${read.error}): the device is not shared`,
        );
      return new Float32Array(read.data);
    } finally {
      y.dispose();
    }
  }

  async release(): Promise<void> {
    await this.queue;
    await this.session.release();
  }
}
