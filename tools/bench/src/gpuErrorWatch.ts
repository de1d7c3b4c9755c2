import type { GpuContext } from '../../../src/gpu/gpuContext';

/**
 * A WebGPU validation or out-of-memory error is reported asynchronously on the device, not thrown by the call
 * that caused it; both benches (kernel and end-to-end) fail a case that raised one, so they listen for the whole
 * run and compare what arrived before and after each case.
 */
export class GpuErrorWatch {
  private readonly messages: string[] = [];
  private readonly unsubscribe: () => void;

  constructor(context: GpuContext) {
    this.unsubscribe = context.onError((e) => this.messages.push(e.message));
  }

  /** Runs one case; throws if the device reported a WebGPU error while it ran (even if the case itself did not throw). */
  async failOnGpuError<T>(body: () => Promise<T>): Promise<T> {
    const before = this.messages.length;
    const result = await body();
    if (this.messages.length > before)
      throw new Error(`WebGPU error during the case: ${this.messages.slice(before).join(' | ')}`);
    return result;
  }

  stop(): void {
    this.unsubscribe();
  }
}
