import { describe, expect, it } from 'vitest';
import { EngineClient, type WorkerLike } from '../../src/worker/engineClient';
import { EngineHost, type Handlers } from '../../src/worker/engineHost';
import { CancelledError, EngineError, type RequestMessage, type ResponseMessage } from '../../src/worker/protocol';
import { GpuError } from '../../src/gpu/errors';

/** Connects a client and a host through structured-clone message passing, as a real worker would. */
function connect(handlers: Partial<Handlers>) {
  const clientListeners: ((e: MessageEvent<ResponseMessage>) => void)[] = [];
  const host = new EngineHost(
    (m) => queueMicrotask(() => clientListeners.forEach((l) => l({ data: structuredClone(m) } as MessageEvent))),
    handlers as Handlers,
  );
  const worker: WorkerLike = {
    postMessage: (m: RequestMessage) => queueMicrotask(() => host.receive(structuredClone(m))),
    addEventListener: (_type, listener) => clientListeners.push(listener),
  };
  return { client: new EngineClient(worker), host };
}

const info = (id: number) => ({ adapter: { vendor: `v${id}` }, hasShaderF16: false, hasSubgroups: true }) as never;

describe('engine protocol', () => {
  it('returns typed results and forwards progress', async () => {
    const { client } = connect({
      init: async (_p, run) => {
        run.progress(0.5, 'half');
        return info(1);
      },
    });
    const progress: [number, string][] = [];
    const result = await client.call('init', {}, { onProgress: (f, m) => progress.push([f, m]) });
    expect(result.adapter.vendor).toBe('v1');
    expect(progress).toEqual([[0.5, 'half']]);
  });

  it('runs requests one at a time in arrival order', async () => {
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const { client } = connect({
      init: async () => {
        const n = ++calls;
        log.push(`start${n}`);
        if (n === 1) await gate;
        log.push(`end${n}`);
        return info(n);
      },
    });
    const a = client.call('init', {});
    const b = client.call('init', {});
    await new Promise((r) => setTimeout(r, 10));
    expect(log).toEqual(['start1']);
    release();
    expect((await a).adapter.vendor).toBe('v1');
    expect((await b).adapter.vendor).toBe('v2');
    expect(log).toEqual(['start1', 'end1', 'start2', 'end2']);
  });

  it('cancels a running request at its next checkpoint and keeps serving', async () => {
    let sawCancel = false;
    const { client } = connect({
      init: async (_p, run) => {
        for (let i = 0; i < 100; i++) {
          await new Promise((r) => setTimeout(r, 2));
          try {
            run.checkpoint();
          } catch (e) {
            sawCancel = true;
            throw e;
          }
        }
        return info(7);
      },
    });
    const controller = new AbortController();
    const first = client.call('init', {}, { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(first).rejects.toBeInstanceOf(CancelledError);
    await new Promise((r) => setTimeout(r, 20));
    expect(sawCancel).toBe(true);
    // The engine still answers the next request.
    expect((await client.call('init', {})).adapter.vendor).toBe('v7');
  });

  it('carries typed errors across the boundary with their fix', async () => {
    const { client } = connect({
      init: async () => {
        throw new GpuError('adapter-unavailable', 'no adapter', 'enable WebGPU');
      },
    });
    const error = await client.call('init', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({ code: 'adapter-unavailable', message: 'no adapter', fix: 'enable WebGPU' });
  });

  it('delivers engine events to subscribers', async () => {
    const { client, host } = connect({});
    const events: string[] = [];
    client.onEvent((e) => events.push(e.type));
    host.emit({ type: 'device-lost', error: { name: 'GpuError', code: 'device-lost', message: 'gone' } });
    await new Promise((r) => setTimeout(r, 5));
    expect(events).toEqual(['device-lost']);
  });
});
