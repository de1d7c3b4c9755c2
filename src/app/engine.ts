/**
 * The app's one engine worker. Created lazily; `restartEngine()` replaces it after a device loss or a hung
 * run. Event listeners registered with `onEngineEvent` follow the engine across restarts.
 */
import { EngineClient } from '../worker/engineClient';
import type { EngineEvent } from '../worker/protocol';

let client: EngineClient | undefined;
const listeners = new Set<(event: EngineEvent) => void>();

export function engine(): EngineClient {
  if (!client) {
    client = new EngineClient(
      new Worker(new URL('../worker/engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' }),
    );
    client.onEvent((event) => listeners.forEach((l) => l(event)));
  }
  return client;
}

export function restartEngine(): EngineClient {
  client?.terminate();
  client = undefined;
  return engine();
}

export function onEngineEvent(listener: (event: EngineEvent) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
