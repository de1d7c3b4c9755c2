import { describe, expect, it } from 'vitest';
import { EngineCallLane, type RunOutcome } from '../../src/app/engineCall';
import { EngineClient, type WorkerLike } from '../../src/worker/engineClient';
import { EngineHost, type Handlers } from '../../src/worker/engineHost';
import type { RequestMessage, ResponseMessage, SerializedError } from '../../src/worker/protocol';
import { ModelError } from '../../src/models/runtime/errors';

/**
 * A client whose calls answer only when the test says so, whatever the signal: the worker may answer a run
 * that the UI has already superseded (cancellation reaches it asynchronously), and the lane must drop that.
 */
function manualClient() {
  const calls: {
    method: string;
    resolve(v: unknown): void;
    reject(e: unknown): void;
    progress(f: number, m: string): void;
    signal?: AbortSignal;
  }[] = [];
  const client = {
    call: (
      method: string,
      _params: unknown,
      options: { onProgress?: (f: number, m: string) => void; signal?: AbortSignal } = {},
    ) =>
      new Promise((resolve, reject) =>
        calls.push({ method, resolve, reject, progress: (f, m) => options.onProgress?.(f, m), signal: options.signal }),
      ),
  };
  return { client: () => client as never, calls };
}

/** Connects a real EngineClient to an EngineHost through structured-clone messages, as the worker does. */
function connected(handlers: Partial<Handlers>) {
  const listeners: ((e: MessageEvent<ResponseMessage>) => void)[] = [];
  const host = new EngineHost(
    (m) => queueMicrotask(() => listeners.forEach((l) => l({ data: structuredClone(m) } as MessageEvent))),
    handlers as Handlers,
  );
  const worker: WorkerLike = {
    postMessage: (m: RequestMessage) => queueMicrotask(() => host.receive(structuredClone(m))),
    addEventListener: (_type, listener) => listeners.push(listener),
  };
  const client = new EngineClient(worker);
  return () => client;
}

function recorder<T>() {
  const log: string[] = [];
  const errors: SerializedError[] = [];
  const outcome: RunOutcome<T> = {
    done: (r) => log.push(`done ${JSON.stringify(r)}`),
    cancelled: () => log.push('cancelled'),
    failed: (e) => {
      log.push(`failed ${e.code}`);
      errors.push(e);
    },
  };
  return { log, errors, outcome };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('EngineCallLane', () => {
  it('delivers the result and the progress of the latest run', async () => {
    const { client, calls } = manualClient();
    const lane = new EngineCallLane(client);
    const progress: string[] = [];
    const { log, outcome } = recorder<number>();
    const ran = lane.run(
      (run) => run.call('init', {}, { onProgress: (_f, m) => progress.push(m) }) as Promise<never>,
      outcome,
    );
    calls[0].progress(0.5, 'half');
    calls[0].resolve(7);
    await ran;
    expect(progress).toEqual(['half']);
    expect(log).toEqual(['done 7']);
  });

  it('drops the late result, progress and error of a superseded run', async () => {
    const { client, calls } = manualClient();
    const lane = new EngineCallLane(client);
    const first = recorder<number>();
    const second = recorder<number>();
    const progress: string[] = [];
    const a = lane.run(
      (run) => run.call('init', {}, { onProgress: (_f, m) => progress.push(`a ${m}`) }) as Promise<never>,
      first.outcome,
    );
    const b = lane.run(
      (run) => run.call('init', {}, { onProgress: (_f, m) => progress.push(`b ${m}`) }) as Promise<never>,
      second.outcome,
    );
    expect(calls[0].signal?.aborted).toBe(true);
    expect(calls[1].signal?.aborted).toBe(false);
    calls[0].progress(0.9, 'late');
    calls[1].progress(0.1, 'early');
    calls[1].resolve(2);
    await b;
    calls[0].resolve(1); // the older run answers after the newer one: its result must not overwrite
    await a;
    expect(first.log).toEqual([]);
    expect(second.log).toEqual(['done 2']);
    expect(progress).toEqual(['b early']);

    // A superseded run that fails is dropped too.
    const third = recorder<number>();
    const c = lane.run((run) => run.call('init', {}, {}) as Promise<never>, third.outcome);
    const d = lane.run(async () => 4, second.outcome);
    calls[2].reject(new Error('boom'));
    await Promise.all([c, d]);
    expect(third.log).toEqual([]);
    expect(second.log).toEqual(['done 2', 'done 4']);
  });

  it('ends a cancelled run in cancelled, with the worker stopping it', async () => {
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    let stoppedAtCheckpoint = false;
    const lane = new EngineCallLane(
      connected({
        init: async (_p, run) => {
          started();
          for (;;) {
            await flush();
            try {
              run.checkpoint();
            } catch (e) {
              stoppedAtCheckpoint = true;
              throw e;
            }
          }
        },
      }),
    );
    const { log, outcome } = recorder<unknown>();
    const ran = lane.run((run) => run.call('init', {}), outcome);
    await running;
    lane.cancel();
    await ran;
    expect(log).toEqual(['cancelled']);
    await flush();
    await flush();
    expect(stoppedAtCheckpoint).toBe(true);
  });

  it('turns a failure into one SerializedError whose message does not repeat the fix', async () => {
    const lane = new EngineCallLane(
      connected({
        init: async () => {
          throw new ModelError(
            'memory-over-budget',
            'mnist-var-d3 at fp32 needs 900 MB; the budget is 512 MB.',
            'Choose W8g128 or fewer bits.',
          );
        },
      }),
    );
    const { log, errors, outcome } = recorder<unknown>();
    await lane.run((run) => run.call('init', {}), outcome);
    expect(log).toEqual(['failed memory-over-budget']);
    expect(errors[0].message).toBe('mnist-var-d3 at fp32 needs 900 MB; the budget is 512 MB.');
    expect(errors[0].fix).toBe('Choose W8g128 or fewer bits.');
  });

  it('reports a failure thrown by the work itself, outside any call', async () => {
    const lane = new EngineCallLane(manualClient().client);
    const { log, errors, outcome } = recorder<unknown>();
    await lane.run(async () => {
      throw new Error('plain');
    }, outcome);
    expect(log).toEqual(['failed internal']);
    expect(errors[0].message).toBe('plain');
  });
});
