/**
 * GpuContext owns the one GPUDevice of the app: adapter choice, feature and limit negotiation, and the two
 * ways a device reports trouble (device.lost and uncapturederror). Everything else borrows `device` and must
 * not destroy it. Runs in a worker, in the page, or in Node (Dawn) by injecting `gpu`.
 */
import {
  adapterUnavailable,
  deviceLost,
  deviceRequestFailed,
  gpuValidation,
  webGpuUnavailable,
  type GpuError,
} from './errors';

/** Features we use when the adapter has them; none is required (every kernel has an f32 path). */
const OPTIONAL_FEATURES: GPUFeatureName[] = ['shader-f16', 'subgroups', 'timestamp-query'];

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  features: string[];
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupStorageSize: number;
}

export interface GpuContextOptions {
  /** The WebGPU entry point; defaults to navigator.gpu. Tests inject Dawn's. */
  gpu?: GPU;
  /** Ask for the software/fallback adapter first (Dawn in Node needs it for SwiftShader). */
  forceFallbackAdapter?: boolean;
}

type Listener = (error: GpuError) => void;

export class GpuContext {
  readonly device: GPUDevice;
  readonly adapter: AdapterSummary;
  readonly hasShaderF16: boolean;
  readonly hasSubgroups: boolean;
  readonly hasTimestampQuery: boolean;
  /** Held so the entry point outlives the device (Dawn for Node frees its instance with the GPU object). */
  readonly gpu: GPU;
  private readonly listeners = new Set<Listener>();
  private destroyedByUs = false;
  private lostError: GpuError | undefined;

  private constructor(gpu: GPU, device: GPUDevice, adapter: AdapterSummary) {
    this.gpu = gpu;
    this.device = device;
    this.adapter = adapter;
    this.hasShaderF16 = device.features.has('shader-f16');
    this.hasSubgroups = device.features.has('subgroups');
    this.hasTimestampQuery = device.features.has('timestamp-query');
    device.lost.then((info) => {
      if (this.destroyedByUs) return;
      this.lostError = deviceLost(info.reason ?? 'unknown', info.message);
      this.emit(this.lostError);
    });
    device.addEventListener('uncapturederror', (event) => {
      this.emit(gpuValidation((event as GPUUncapturedErrorEvent).error.message));
    });
  }

  static async create(options: GpuContextOptions = {}): Promise<GpuContext> {
    const gpu = options.gpu ?? (typeof navigator !== 'undefined' ? navigator.gpu : undefined);
    if (!gpu) throw webGpuUnavailable();
    const adapter = await requestAdapter(gpu, options.forceFallbackAdapter ?? false);
    if (!adapter) throw adapterUnavailable();
    const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
    let device: GPUDevice;
    try {
      device = await adapter.requestDevice({
        label: 'GpuContext.device',
        requiredFeatures,
        // Model weights and activations can be large: take what the adapter offers.
        requiredLimits: {
          maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
          maxBufferSize: adapter.limits.maxBufferSize,
          maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
          maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
          maxComputeWorkgroupSizeX: adapter.limits.maxComputeWorkgroupSizeX,
          maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
        },
      });
    } catch (cause) {
      throw deviceRequestFailed(cause);
    }
    return new GpuContext(gpu, device, summarize(adapter));
  }

  /** The error that lost the device, if it was lost by anything other than destroy(). */
  get lost(): GpuError | undefined {
    return this.lostError;
  }

  /** Called on device loss and on uncaptured WebGPU errors. Returns an unsubscribe function. */
  onError(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Idempotent. A destroy by us is not reported as a loss. */
  destroy(): void {
    if (this.destroyedByUs) return;
    this.destroyedByUs = true;
    this.listeners.clear();
    this.device.destroy();
  }

  private emit(error: GpuError): void {
    for (const listener of this.listeners) listener(error);
  }
}

async function requestAdapter(gpu: GPU, fallbackFirst: boolean): Promise<GPUAdapter | null> {
  if (fallbackFirst) return (await gpu.requestAdapter({ forceFallbackAdapter: true })) ?? gpu.requestAdapter();
  return (
    (await gpu.requestAdapter({ powerPreference: 'high-performance' })) ??
    gpu.requestAdapter({ forceFallbackAdapter: true })
  );
}

function summarize(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info;
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
    isFallbackAdapter: (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter ?? false,
    features: [...adapter.features].sort(),
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize,
    maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
  };
}

/** One line naming the adapter, for benchmark JSON and the status bar. */
export function adapterLabel(a: AdapterSummary): string {
  const parts = [a.vendor, a.architecture, a.device, a.description].filter((s) => s.length > 0);
  return parts.length > 0 ? parts.join(' / ') : 'unknown adapter';
}
