/**
 * What an engine run sees of its caller: a progress sink and cancellation checkpoints. It lives in the engine
 * (not the worker) because the engine's services call it; the worker's EngineHost is one implementation of it,
 * tests and tools pass their own.
 */

export interface RunContext {
  /** `partial`: an intermediate result the caller can show (PartialOf<method>), e.g. a moving chart point. */
  progress(fraction: number, message: string, partial?: unknown): void;
  /** Throws CancelledError if the caller cancelled; call between units of work. */
  checkpoint(): void;
  readonly cancelled: boolean;
}

/** A run stopped because its caller asked; the UI returns to idle instead of showing an error. */
export class CancelledError extends Error {
  readonly code = 'cancelled';
  constructor(message = 'Cancelled.') {
    super(message);
    this.name = 'CancelledError';
  }
}
