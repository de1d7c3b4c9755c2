/**
 * Worker-side dispatcher: runs requests one at a time in arrival order (GPU work and onnxruntime sessions
 * must not interleave), reports progress, honours cancellation at checkpoints, and turns every failure into a
 * SerializedError. Kept free of `self` so it can be tested in Node with a fake port.
 */
import { CancelledError, type RunContext } from '../engine/runContext';
import {
  serializeError,
  type EngineEvent,
  type MethodName,
  type ParamsOf,
  type RequestMessage,
  type ResponseMessage,
  type ResultOf,
} from './protocol';

export type Handlers = { [M in MethodName]: (params: ParamsOf<M>, run: RunContext) => Promise<ResultOf<M>> };

type Request = Extract<RequestMessage, { kind: 'request' }>;

export class EngineHost {
  private readonly post: (message: ResponseMessage) => void;
  private readonly handlers: Handlers;
  private readonly queue: Request[] = [];
  private readonly cancelled = new Set<number>();
  private running = false;

  constructor(post: (message: ResponseMessage) => void, handlers: Handlers) {
    this.post = post;
    this.handlers = handlers;
  }

  receive(message: RequestMessage): void {
    if (message.kind === 'cancel') {
      this.cancelled.add(message.id);
      return;
    }
    this.queue.push(message);
    void this.drain();
  }

  emit(event: EngineEvent): void {
    this.post({ kind: 'event', event });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let request = this.queue.shift(); request; request = this.queue.shift()) await this.runOne(request);
    } finally {
      this.running = false;
    }
  }

  private async runOne(request: Request): Promise<void> {
    const { id } = request;
    const isCancelled = () => this.cancelled.has(id);
    const run: RunContext = {
      progress: (fraction, message, partial) => {
        if (!isCancelled())
          this.post(
            partial === undefined
              ? { kind: 'progress', id, fraction, message }
              : { kind: 'progress', id, fraction, message, partial },
          );
      },
      checkpoint: () => {
        if (isCancelled()) throw new CancelledError();
      },
      get cancelled() {
        return isCancelled();
      },
    };
    try {
      run.checkpoint();
      const handler = this.handlers[request.method] as (params: unknown, run: RunContext) => Promise<unknown>;
      const result = await handler(request.params, run);
      this.post({ kind: 'result', id, result });
    } catch (error) {
      this.post({ kind: 'error', id, error: serializeError(error) });
    } finally {
      this.cancelled.delete(id);
    }
  }
}
