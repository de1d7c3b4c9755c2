/**
 * The generation service as the worker builds it, minus the Worker: a GpuSession on Dawn (each session makes
 * its own device, so a test may destroy it), an fs BundleSource, and a RunContext the test can cancel or use
 * to destroy the device mid-run.
 */
import { dawnGpu } from '../device';
import { GpuSession } from '../../../src/worker/gpuSession';
import { GenerationService } from '../../../src/engine/generation/generationService';
import { CancelledError, type RunContext } from '../../../src/engine/runContext';
import type { GpuError } from '../../../src/gpu/errors';
import { FsBundleSource } from '../../models/helpers/sources';
import { MODELS_DIR } from '../models/bundles';

export interface Harness {
  readonly service: GenerationService;
  readonly session: GpuSession;
  /** GPU errors the session reported (validation errors and losses). */
  readonly errors: GpuError[];
  destroy(): Promise<void>;
}

export function createHarness(root = MODELS_DIR, cacheCapacity?: number): Harness {
  const errors: GpuError[] = [];
  const session = new GpuSession({ gpu: dawnGpu(), forceFallbackAdapter: true }, (e) => errors.push(e));
  const service = new GenerationService({ source: new FsBundleSource(root), gpu: () => session.get(), cacheCapacity });
  return {
    service,
    session,
    errors,
    async destroy() {
      await service.destroy();
      await session.destroy();
    },
  };
}

export interface TestRun extends RunContext {
  readonly messages: [number, string][];
  cancel(): void;
}

/** A RunContext recording progress; `onProgress` sees the 1-based call count. */
export function testRun(onProgress?: (count: number, run: TestRun) => void): TestRun {
  let cancelled = false;
  const messages: [number, string][] = [];
  const run: TestRun = {
    messages,
    progress(fraction, message) {
      messages.push([fraction, message]);
      onProgress?.(messages.length, run);
    },
    checkpoint() {
      if (cancelled) throw new CancelledError();
    },
    get cancelled() {
      return cancelled;
    },
    cancel() {
      cancelled = true;
    },
  };
  return run;
}

export async function rejection(p: Promise<unknown>): Promise<Error & { code?: string; fix?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string; fix?: string };
  }
  throw new Error('expected the promise to reject');
}
