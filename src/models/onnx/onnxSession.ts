/**
 * An onnxruntime-web session on OUR GPUDevice (GpuContext.device), for one bundle's ONNX graph.
 *
 * - The device is handed over with `executionProviders: [{ name: 'webgpu', device }]`; that onnxruntime really
 *   uses it is checked by use on the first run: a 4-byte copy of an output with our device's encoder, inside a
 *   validation error scope, fails for a buffer of another device (ort.env.webgpu.device proves nothing in 1.30:
 *   it is only set for a device onnxruntime creates itself).
 * - Inputs are our GPUBuffers (`Tensor.fromGpuBuffer`, no copy) and outputs stay on the GPU
 *   (`preferredOutputLocation: 'gpu-buffer'`) as GpuTensors the caller reads or disposes: data moves between
 *   our kernels and the graph without touching the CPU.
 * - Runs are queued: onnxruntime fails when one session has two `run` calls in flight.
 * - Shapes are checked against the manifest's `onnx` ports ('B' = any batch) before onnxruntime sees them, so
 *   a wrong buffer gets a message naming the bundle and the port instead of a wasm abort.
 */
import type { OnnxInfo, OnnxPort } from '../bundle/index.ts';
import { describeCause, OnnxError, REEXPORT_GRAPH_FIX } from './errors';
import { GpuTensor, notSharedError } from './gpuTensor';
import { configureOrt, ort } from './ortRuntime';

export interface OnnxSessionSpec {
  /** For messages: the bundle the graph comes from, e.g. `mnist-vae`. */
  readonly bundleId: string;
  /** The ONNX bytes (the validated bundle's file). */
  readonly graph: Uint8Array;
  /** The manifest's `onnx` entry: graph path and port names/shapes. */
  readonly info: OnnxInfo;
}

/** One input: our buffer holding f32 values, row-major `dims`, starting at byte 0. */
export interface GpuInput {
  readonly buffer: GPUBuffer;
  readonly dims: readonly number[];
}

export class OnnxSession {
  readonly bundleId: string;
  readonly info: OnnxInfo;
  private readonly device: GPUDevice;
  private session: ort.InferenceSession | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private deviceChecked = false;
  private released: Promise<void> | undefined;

  private constructor(device: GPUDevice, spec: OnnxSessionSpec, session: ort.InferenceSession) {
    this.device = device;
    this.bundleId = spec.bundleId;
    this.info = spec.info;
    this.session = session;
  }

  static async create(device: GPUDevice, spec: OnnxSessionSpec): Promise<OnnxSession> {
    configureOrt();
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(spec.graph, {
        executionProviders: [{ name: 'webgpu', device }],
        preferredOutputLocation: 'gpu-buffer',
        graphOptimizationLevel: 'all',
        // Errors only: at the default (warning) every session prints, as console.error, that shape ops were
        // placed on the CPU, which onnxruntime does by design and the browser tests rightly count as errors.
        logSeverityLevel: 3,
      });
    } catch (cause) {
      throw new OnnxError(
        'load-failed',
        spec.bundleId,
        `onnxruntime-web could not load ${spec.info.path} on the WebGPU device (${describeCause(cause)}).`,
        `Check that the file is the bundle's exported graph (opset ${spec.info.opset}) and that the GPU device is alive; if the bundle was just re-exported, reload the page. Otherwise: ${REEXPORT_GRAPH_FIX}`,
      );
    }
    const wrapper = new OnnxSession(device, spec, session);
    try {
      wrapper.checkPortNames(session);
    } catch (e) {
      await session.release();
      throw e;
    }
    return wrapper;
  }

  /** Queued run of the graph; every output of the graph comes back on the GPU, owned by the caller. */
  run(inputs: Readonly<Record<string, GpuInput>>): Promise<Record<string, GpuTensor>> {
    let session: ort.InferenceSession;
    let feeds: Record<string, ort.Tensor>;
    try {
      session = this.live();
      feeds = this.feeds(inputs);
    } catch (e) {
      return Promise.reject(e); // a rejection like every other failure, never a synchronous throw
    }
    const next = this.queue.then(() => this.runNow(session, feeds));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Idempotent; waits for queued runs, then releases the session. Outputs already handed out stay valid until
   * disposed. The device is ours and stays alive.
   */
  dispose(): Promise<void> {
    if (!this.released) {
      const session = this.session;
      this.session = undefined;
      this.released = this.queue.then(() => session?.release());
    }
    return this.released;
  }

  get disposed(): boolean {
    return this.session === undefined;
  }

  private async runNow(
    session: ort.InferenceSession,
    feeds: Record<string, ort.Tensor>,
  ): Promise<Record<string, GpuTensor>> {
    let results: ort.InferenceSession.OnnxValueMapType;
    try {
      results = await session.run(feeds);
    } catch (cause) {
      const shapes = Object.entries(feeds)
        .map(([k, t]) => `${k} [${t.dims.join(', ')}]`)
        .join(', ');
      throw new OnnxError(
        'run-failed',
        this.bundleId,
        `onnxruntime failed to run ${this.info.path} on ${shapes} (${describeCause(cause)}).`,
        'If the GPU device was lost, restart the GPU; otherwise report it with the bundle id and the input shapes.',
      );
    }
    const outputs: Record<string, GpuTensor> = {};
    try {
      for (const port of this.info.outputs)
        outputs[port.name] = new GpuTensor(this.device, this.bundleId, port.name, results[port.name] as ort.Tensor);
      if (!this.deviceChecked) {
        await this.checkSharedDevice(outputs[this.info.outputs[0].name]);
        this.deviceChecked = true;
      }
    } catch (e) {
      // Hand every output buffer back (ort.Tensor.dispose is idempotent, so wrapped ones are fine too).
      for (const value of Object.values(results)) (value as ort.Tensor).dispose();
      throw e;
    }
    return outputs;
  }

  /** A 4-byte copy of `output` with our encoder: WebGPU rejects it when the buffer is another device's. */
  private async checkSharedDevice(output: GpuTensor): Promise<void> {
    const probe = this.device.createBuffer({
      label: 'OnnxSession.deviceProbe',
      size: 4,
      usage: GPUBufferUsage.COPY_DST,
    });
    try {
      this.device.pushErrorScope('validation');
      const encoder = this.device.createCommandEncoder({ label: 'OnnxSession.deviceProbeEncoder' });
      encoder.copyBufferToBuffer(output.buffer, 0, probe, 0, 4);
      this.device.queue.submit([encoder.finish()]);
      const error = await this.device.popErrorScope();
      if (error) throw notSharedError(this.bundleId, output.name, error.message);
    } finally {
      probe.destroy();
    }
  }

  private feeds(inputs: Readonly<Record<string, GpuInput>>): Record<string, ort.Tensor> {
    const extra = Object.keys(inputs).filter((k) => !this.info.inputs.some((p) => p.name === k));
    if (extra.length > 0)
      this.inputError(
        `unknown input ${extra.map((k) => `'${k}'`).join(', ')}; the graph takes ${portList(this.info.inputs)}.`,
      );
    const feeds: Record<string, ort.Tensor> = {};
    for (const port of this.info.inputs) {
      const input = inputs[port.name];
      if (!input) this.inputError(`input '${port.name}' is missing; the graph takes ${portList(this.info.inputs)}.`);
      this.checkInput(port, input);
      feeds[port.name] = ort.Tensor.fromGpuBuffer(input.buffer, { dataType: 'float32', dims: [...input.dims] });
    }
    return feeds;
  }

  private checkInput(port: OnnxPort, input: GpuInput): void {
    const { dims, buffer } = input;
    const fits =
      dims.length === port.shape.length &&
      port.shape.every((s, i) => (s === 'B' ? Number.isInteger(dims[i]) && dims[i] >= 1 : dims[i] === s));
    if (!fits)
      this.inputError(
        `input '${port.name}' has shape [${dims.join(', ')}]; the graph takes [${port.shape.join(', ')}] (B = batch >= 1).`,
      );
    const bytes = dims.reduce((a, b) => a * b, 1) * 4;
    if (buffer.size < bytes)
      this.inputError(
        `input '${port.name}' [${dims.join(', ')}] needs ${bytes} bytes of f32 but buffer '${buffer.label}' has ${buffer.size}.`,
      );
    if ((buffer.usage & GPUBufferUsage.STORAGE) === 0)
      this.inputError(
        `buffer '${buffer.label}' for input '${port.name}' lacks STORAGE usage, which onnxruntime's kernels bind it with.`,
      );
  }

  private inputError(problem: string): never {
    throw new OnnxError(
      'input-invalid',
      this.bundleId,
      problem,
      `Pass f32 GPU buffers (STORAGE usage) with the shapes of the manifest's onnx.inputs.`,
    );
  }

  private checkPortNames(session: ort.InferenceSession): void {
    const expectIn = this.info.inputs.map((p) => p.name);
    const expectOut = this.info.outputs.map((p) => p.name);
    const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((n) => b.includes(n));
    if (!same(session.inputNames, expectIn) || !same(session.outputNames, expectOut)) {
      throw new OnnxError(
        'graph-mismatch',
        this.bundleId,
        `${this.info.path} has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}], the manifest says [${expectIn.join(', ')}] and [${expectOut.join(', ')}].`,
        REEXPORT_GRAPH_FIX,
      );
    }
  }

  private live(): ort.InferenceSession {
    if (!this.session)
      throw new OnnxError(
        'disposed',
        this.bundleId,
        'the onnxruntime session was disposed.',
        'Load the model again before running it.',
      );
    return this.session;
  }
}

function portList(ports: readonly OnnxPort[]): string {
  return ports.map((p) => `'${p.name}' [${p.shape.join(', ')}]`).join(', ');
}
