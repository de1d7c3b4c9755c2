/**
 * Holds the worker's GpuContext: created on first use, reported and dropped when the device is lost, and
 * created afresh by the next request, so a lost device never needs a page reload.
 */
import { GpuContext, type GpuContextOptions } from '../gpu/gpuContext';
import type { GpuError } from '../gpu/errors';

export class GpuSession {
  private context: Promise<GpuContext> | undefined;
  private readonly options: GpuContextOptions;
  private readonly onError: (error: GpuError, lost: boolean) => void;

  constructor(options: GpuContextOptions, onError: (error: GpuError, lost: boolean) => void) {
    this.options = options;
    this.onError = onError;
  }

  get(): Promise<GpuContext> {
    if (!this.context) {
      const created = GpuContext.create(this.options);
      this.context = created;
      created.then(
        (ctx) =>
          ctx.onError((error) => {
            const lost = error.code === 'device-lost';
            if (lost && this.context === created) this.context = undefined;
            this.onError(error, lost);
          }),
        () => {
          if (this.context === created) this.context = undefined; // let the next request try again
        },
      );
    }
    return this.context;
  }

  /** Idempotent. */
  async destroy(): Promise<void> {
    const pending = this.context;
    this.context = undefined;
    if (pending) (await pending.catch(() => undefined))?.destroy();
  }
}
