/**
 * The one life cycle of an engine call started from the UI. A slice (or one view of it) owns an EngineCallLane;
 * `lane.run(work, outcome)` cancels the lane's run in flight, runs `work` with calls bound to the new run's
 * AbortSignal, and ends in exactly one of `done`, `cancelled` or `failed` — unless a newer run of the same lane
 * has started meanwhile: then the older run's progress, partial results, result and error are all dropped
 * (cancellation reaches the worker asynchronously, so a superseded run can still answer).
 * Failures reach `failed` as a SerializedError whose message and fix the UI prints once each.
 *
 *   const lane = new EngineCallLane();
 *   await lane.run((run) => run.call('quantProbe', params, { onProgress }), {
 *     done: (result) => set({ run: { state: 'done', result } }),
 *     cancelled: () => set({ run: { state: 'idle' } }),
 *     failed: (error) => set({ run: { state: 'failed', error } }),
 *   });
 */
import type { CallOptions, EngineClient } from '../worker/engineClient';
import {
  CancelledError,
  serializeError,
  type MethodName,
  type ParamsOf,
  type PartialOf,
  type ResultOf,
  type SerializedError,
} from '../worker/protocol';
import { engine } from './engine';

/** What `work` sees of its run: calls bound to it, and whether it is still the lane's latest run. */
export interface EngineRun {
  readonly signal: AbortSignal;
  /** False once a newer run of the same lane has started. */
  current(): boolean;
  /** `engine().call` with this run's signal; its progress and partial callbacks stop once the run is superseded or cancelled. */
  call<M extends MethodName>(
    method: M,
    params: ParamsOf<M>,
    options?: Omit<CallOptions<PartialOf<M>>, 'signal'>,
  ): Promise<ResultOf<M>>;
}

/** How a run ended; at most one is called, and none for a superseded run. */
export interface RunOutcome<T> {
  done(result: T): void;
  cancelled(): void;
  failed(error: SerializedError): void;
}

type CallingClient = Pick<EngineClient, 'call'>;

export class EngineCallLane {
  private controller: AbortController | undefined;

  /** `client` is the app's engine worker; tests pass a fake. */
  constructor(private readonly client: () => CallingClient = engine) {}

  async run<T>(work: (run: EngineRun) => Promise<T>, outcome: RunOutcome<T>): Promise<void> {
    this.controller?.abort();
    const mine = new AbortController();
    this.controller = mine;
    const current = () => this.controller === mine;
    const live = () => current() && !mine.signal.aborted;
    const run: EngineRun = {
      signal: mine.signal,
      current,
      call: (method, params, options = {}) => {
        const { onProgress, onPartial } = options;
        return this.client().call(method, params, {
          signal: mine.signal,
          onProgress: onProgress && ((fraction, message) => live() && onProgress(fraction, message)),
          onPartial: onPartial && ((partial) => live() && onPartial(partial)),
        });
      },
    };
    let result: T;
    try {
      result = await work(run);
    } catch (error) {
      if (!current()) return;
      if (error instanceof CancelledError || mine.signal.aborted) outcome.cancelled();
      else outcome.failed(serializeError(error));
      return;
    }
    if (!current()) return;
    // A cancel that raced with the answer wins: the user asked for it last.
    if (mine.signal.aborted) outcome.cancelled();
    else outcome.done(result);
  }

  /** Cancels the run in flight, which then ends in `cancelled`. */
  cancel(): void {
    this.controller?.abort();
  }
}
