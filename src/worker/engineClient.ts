/**
 * UI-side handle on the engine worker: typed calls returning promises, progress callbacks, cancellation by
 * AbortSignal, and engine events (device lost). Works with a Worker or any MessagePort-like object (tests).
 */
import {
  CancelledError,
  EngineError,
  type EngineEvent,
  type MethodName,
  type ParamsOf,
  type PartialOf,
  type RequestMessage,
  type ResponseMessage,
  type ResultOf,
} from './protocol';

export interface WorkerLike {
  postMessage(message: RequestMessage): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<ResponseMessage>) => void): void;
  terminate?(): void;
}

export interface CallOptions<P = unknown> {
  onProgress?: (fraction: number, message: string) => void;
  /** Intermediate results of methods that stream them (measureQuality's moving point). */
  onPartial?: (partial: P) => void;
  signal?: AbortSignal;
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
  onProgress?: CallOptions['onProgress'];
  onPartial?: CallOptions['onPartial'];
}

export class EngineClient {
  private readonly worker: WorkerLike;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(event: EngineEvent) => void>();
  private nextId = 1;
  private terminated = false;

  constructor(worker: WorkerLike) {
    this.worker = worker;
    worker.addEventListener('message', (event) => this.receive(event.data));
  }

  call<M extends MethodName>(
    method: M,
    params: ParamsOf<M>,
    options: CallOptions<PartialOf<M>> = {},
  ): Promise<ResultOf<M>> {
    if (this.terminated) return Promise.reject(new Error('The engine worker was terminated; reload the page.'));
    const id = this.nextId++;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new CancelledError());
        return;
      }
      this.pending.set(id, {
        resolve: resolve as (r: unknown) => void,
        reject,
        onProgress: options.onProgress,
        onPartial: options.onPartial as CallOptions['onPartial'],
      });
      options.signal?.addEventListener('abort', () => this.cancel(id), { once: true });
      this.worker.postMessage({ kind: 'request', id, method, params } as RequestMessage);
    });
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Idempotent: rejects everything pending and stops the worker. */
  terminate(): void {
    if (this.terminated) return;
    this.terminated = true;
    for (const p of this.pending.values()) p.reject(new CancelledError('The engine was restarted.'));
    this.pending.clear();
    this.worker.terminate?.();
  }

  private cancel(id: number): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    this.worker.postMessage({ kind: 'cancel', id });
    pending.reject(new CancelledError());
  }

  private receive(message: ResponseMessage): void {
    if (message.kind === 'event') {
      for (const listener of this.eventListeners) listener(message.event);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return; // cancelled or unknown: drop
    if (message.kind === 'progress') {
      pending.onProgress?.(message.fraction, message.message);
      if (message.partial !== undefined) pending.onPartial?.(message.partial);
      return;
    }
    this.pending.delete(message.id);
    if (message.kind === 'result') pending.resolve(message.result);
    else
      pending.reject(
        message.error.code === 'cancelled' ? new CancelledError(message.error.message) : new EngineError(message.error),
      );
  }
}
