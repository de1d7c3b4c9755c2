/**
 * An onnxruntime output left on the GPU (`preferredOutputLocation: 'gpu-buffer'`). Its buffer belongs to
 * onnxruntime's buffer cache: valid until `dispose()`, which hands it back for reuse, so the caller must
 * dispose every output it gets (or copy it into a buffer of its own with `copyTo` first).
 *
 * `read()` copies with OUR device's command encoder. WebGPU rejects a copy from a buffer of another device,
 * so a successful read is also proof that onnxruntime runs on our device.
 */
import { OnnxError } from './errors';
import { readBytesChecked } from '../../gpu/buffers';
import type { ort } from './ortRuntime';

export class GpuTensor {
  readonly name: string;
  readonly dims: readonly number[];
  private readonly tensor: ort.Tensor;
  private readonly device: GPUDevice;
  private readonly bundleId: string;
  private disposed = false;

  constructor(device: GPUDevice, bundleId: string, name: string, tensor: ort.Tensor) {
    if (tensor.location !== 'gpu-buffer') {
      throw new OnnxError(
        'output-not-on-gpu',
        bundleId,
        `output '${name}' came back on '${tensor.location}', not on the GPU.`,
        "Create the session with preferredOutputLocation 'gpu-buffer' (OnnxSession does) and the webgpu execution provider.",
      );
    }
    this.device = device;
    this.bundleId = bundleId;
    this.name = name;
    this.tensor = tensor;
    this.dims = [...tensor.dims];
  }

  get elementCount(): number {
    return this.dims.reduce((a, b) => a * b, 1);
  }

  get byteLength(): number {
    return this.elementCount * 4;
  }

  /** The f32 data, row-major `dims`, at offset 0 (the buffer may be larger: onnxruntime rounds sizes up). */
  get buffer(): GPUBuffer {
    this.requireLive();
    return this.tensor.gpuBuffer as GPUBuffer;
  }

  /** Records a copy of the data into `target` at byte `targetOffset` (our buffer survives dispose()). */
  copyTo(encoder: GPUCommandEncoder, target: GPUBuffer, targetOffset = 0): void {
    encoder.copyBufferToBuffer(this.buffer, 0, target, targetOffset, this.byteLength);
  }

  /** Reads the data back to the CPU through our device (see the class comment). */
  async read(): Promise<Float32Array> {
    const read = await readBytesChecked(this.device, this.buffer, 0, this.byteLength);
    if ('error' in read) throw notSharedError(this.bundleId, this.name, read.error);
    return new Float32Array(read.data);
  }

  /** Idempotent: returns the buffer to onnxruntime's cache. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.tensor.dispose();
  }

  private requireLive(): void {
    if (this.disposed) {
      throw new OnnxError(
        'disposed',
        this.bundleId,
        `output '${this.name}' was disposed; onnxruntime may already reuse its buffer.`,
        'Read or copy an output before disposing it.',
      );
    }
  }
}

export function notSharedError(bundleId: string, output: string, detail: string): OnnxError {
  return new OnnxError(
    'device-not-shared',
    bundleId,
    `copying output '${output}' with our GPUDevice failed (${detail}): onnxruntime is running on another device.`,
    "Create the session with executionProviders [{ name: 'webgpu', device }] passing GpuContext.device, and import 'onnxruntime-web/webgpu'.",
  );
}
