/**
 * Typed GPU errors. Each carries a `fix`: the sentence the UI shows under the message, telling the user what
 * to do. `code` lets the UI and the worker protocol tell them apart after structured cloning.
 */
import { AppError } from '../util/errors';

export type GpuErrorCode =
  'webgpu-unavailable' | 'adapter-unavailable' | 'device-request-failed' | 'device-lost' | 'gpu-validation';

/** Its message is the problem alone (GPU errors have always kept the fix apart). */
export class GpuError extends AppError<GpuErrorCode> {
  override readonly name = 'GpuError';
  constructor(code: GpuErrorCode, message: string, fix: string) {
    super(code, message, fix, message);
  }
}

export const WEBGPU_FIX =
  'Use a browser with WebGPU enabled: Chrome or Edge 113+, or Chromium started with --enable-unsafe-webgpu. ' +
  'WebGPU needs a secure context (https:// or http://localhost).';

export function webGpuUnavailable(): GpuError {
  return new GpuError(
    'webgpu-unavailable',
    'This browser does not expose WebGPU (navigator.gpu is missing).',
    WEBGPU_FIX,
  );
}

export function adapterUnavailable(): GpuError {
  return new GpuError(
    'adapter-unavailable',
    'WebGPU is present but no GPU adapter was found.',
    'Enable hardware acceleration in the browser settings, update the GPU driver, or start Chromium with ' +
      '--enable-unsafe-webgpu (it then falls back to its software adapter, SwiftShader).',
  );
}

export function deviceRequestFailed(cause: unknown): GpuError {
  return new GpuError(
    'device-request-failed',
    `The GPU adapter refused to create a device: ${describe(cause)}`,
    'Close other GPU-heavy tabs and reload the page; if it persists, the adapter lacks a limit this app needs.',
  );
}

export function deviceLost(reason: string, message: string): GpuError {
  return new GpuError(
    'device-lost',
    `The GPU device was lost (${reason}): ${message || 'no details from the driver'}`,
    'Press "Restart GPU" (or reload the page). Your settings are kept; generated images will be recomputed.',
  );
}

export function gpuValidation(message: string): GpuError {
  return new GpuError(
    'gpu-validation',
    `WebGPU reported an error: ${message}`,
    'This is a bug in the playground: please report it with the settings link. Restarting the GPU usually recovers.',
  );
}

export function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
