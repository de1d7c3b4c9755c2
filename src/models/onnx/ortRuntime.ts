/**
 * The one place that imports onnxruntime-web and sets its global options (shared with tools/bench/src).
 *
 * `onnxruntime-web/webgpu` is the native C++ WebGPU engine; the default import (JSEP) has a MatMulNBits bug
 * (seen with onnxruntime-web 1.30: 4-bit weights with blocks of 64 or more give wrong results, 8-bit fails).
 * One wasm thread: the decoders run on the GPU, and wasm threads need cross-origin isolation, which neither
 * the page nor the engine worker has.
 */
import * as ort from 'onnxruntime-web/webgpu';

export { ort };

let configured = false;

/** Global onnxruntime settings; idempotent, and must run before the first session is created. */
export function configureOrt(): void {
  if (configured) return;
  configured = true;
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'warning';
}

export function ortVersion(): string {
  return ort.env.versions.web ?? ort.env.versions.common;
}
