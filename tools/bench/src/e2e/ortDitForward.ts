/**
 * onnxruntime-web running the exported DiT forward (training/export_dit_onnx.py: x [2, Cin, H, W] f32, t [2] f32,
 * y [2] int32 -> out [2, 2Cin, H, W]) with its WebGPU EP on OUR GPUDevice, inputs in our GPU buffers and the output
 * left on the GPU, so a timed run is the graph plus onnxruntime's per-run CPU work, like our forward.
 * `onnxruntime-web/webgpu` (native WebGPU engine), never the default import (see tools/bench/src/ortMatMulNBits.ts).
 * Runs are queued: one session never has two `run` calls in flight.
 */
import { configureOrt, ort } from '../../../../src/models/onnx/ortRuntime';
import { BenchError } from './benchError';
import { readBytesChecked } from '../../../../src/gpu/buffers';

export interface DitForwardInputs {
  /** f32 [2, Cin, H, W]. */
  readonly x: GPUBuffer;
  /** f32 [2] original timesteps. */
  readonly t: GPUBuffer;
  /** int32 [2] class labels (numClasses = null class). */
  readonly y: GPUBuffer;
  readonly xDims: readonly number[];
}

export class OrtDitForward {
  private queue: Promise<unknown> = Promise.resolve();
  private released: Promise<void> | undefined;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly device: GPUDevice,
    readonly path: string,
  ) {}

  /** Fetches the graph from `url` (tools/bench/graphs/<model>-forward.onnx when served) and creates the session on `device`. */
  static async load(device: GPUDevice, url: string): Promise<OrtDitForward> {
    const res = await fetch(url);
    const type = res.headers.get('content-type') ?? '';
    if (!res.ok || type.includes('text/html')) {
      throw new BenchError(
        'graph-missing',
        `${url}: ${res.ok ? 'the server answered with an HTML page (no such file)' : `HTTP ${res.status}`}.`,
        'Export the graphs: /usr/bin/python3 training/export_dit_onnx.py (writes tools/bench/graphs/<model>-forward.onnx).',
      );
    }
    configureOrt();
    const session = await ort.InferenceSession.create(new Uint8Array(await res.arrayBuffer()), {
      executionProviders: [{ name: 'webgpu', device }],
      preferredOutputLocation: 'gpu-buffer',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    });
    return new OrtDitForward(session, device, url);
  }

  private feeds(inputs: DitForwardInputs): Record<string, ort.Tensor> {
    const batch = inputs.xDims[0];
    return {
      x: ort.Tensor.fromGpuBuffer(inputs.x, { dataType: 'float32', dims: [...inputs.xDims] }),
      t: ort.Tensor.fromGpuBuffer(inputs.t, { dataType: 'float32', dims: [batch] }),
      y: ort.Tensor.fromGpuBuffer(inputs.y, { dataType: 'int32', dims: [batch] }),
    };
  }

  /** One queued run; the caller owns (and must dispose) the returned GPU tensor. */
  run(inputs: DitForwardInputs): Promise<ort.Tensor> {
    const feeds = this.feeds(inputs);
    const next = this.queue.then(async () => (await this.session.run(feeds)).out);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The unit of work the bench times: a run whose output is released at once. */
  async runAndDispose(inputs: DitForwardInputs): Promise<void> {
    (await this.run(inputs)).dispose();
  }

  /** Runs once and copies the output back through OUR device's encoder (which fails for another device's buffer). */
  async runAndRead(inputs: DitForwardInputs, elements: number): Promise<Float32Array> {
    const out = await this.run(inputs);
    try {
      if (out.location !== 'gpu-buffer')
        throw new Error(`the forward's output is on '${out.location}', expected 'gpu-buffer'`);
      const read = await readBytesChecked(this.device, out.gpuBuffer as GPUBuffer, 0, elements * 4);
      if ('error' in read)
        throw new Error(
          `copying onnxruntime's output with our device failed (${read.error}): the device is not shared`,
        );
      return new Float32Array(read.data);
    } finally {
      out.dispose();
    }
  }

  /** Idempotent; waits for queued runs. */
  release(): Promise<void> {
    this.released ??= this.queue.then(() => this.session.release());
    return this.released;
  }
}
