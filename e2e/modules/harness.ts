/**
 * Loaded by harness.html. Its static imports make the Vite dev server crawl (and pre-bundle) every dependency
 * the specs reach, before any spec imports a module dynamically: a dependency discovered later makes Vite
 * re-optimise and reload the page in the middle of a test. Specs `page.evaluate` dynamic imports of this
 * module and of real src/ modules, and wait for `document.body.dataset.ready` first.
 */
import { GpuContext } from '../../src/gpu/gpuContext';
import {
  FetchBundleSource,
  tensorF32,
  validateBundle,
  validateIndex,
  type BundleIndex,
  type ValidatedBundle,
} from '../../src/models/bundle/index.ts';
import * as metrics from '../../src/metrics/index.ts';
import * as onnx from '../../src/models/onnx/index.ts';
import { ort } from '../../src/models/onnx/ortRuntime';
import { readF32, uploadWords } from '../../src/gpu/buffers';

export { metrics, onnx, ort, readF32 };

let context: Promise<GpuContext> | undefined;
let index: Promise<BundleIndex> | undefined;
const source = new FetchBundleSource('/models/');

/** One GpuContext per page, as in the app. */
export function gpu(): Promise<GpuContext> {
  context ??= GpuContext.create();
  return context;
}

/** A bundle through the same validator the app uses (sizes, sha256, tensors). */
export async function loadBundle(id: string): Promise<ValidatedBundle> {
  index ??= validateIndex(source);
  return validateBundle(source, id, { index: await index });
}

/** A golden tensor (F32) of `bundle` uploaded into a STORAGE buffer of ours, labelled `Harness.<name>`. */
export function uploadGolden(device: GPUDevice, bundle: ValidatedBundle, name: string): GPUBuffer {
  if (!bundle.goldens) throw new Error(`${bundle.manifest.id} has no goldens`);
  return uploadWords(device, `Harness.${name}`, tensorF32(bundle.goldens, name));
}

export function goldenF32(bundle: ValidatedBundle, name: string): Float32Array {
  if (!bundle.goldens) throw new Error(`${bundle.manifest.id} has no goldens`);
  return tensorF32(bundle.goldens, name);
}

document.body.dataset.ready = '1';
