import { parseSetting } from '../../../src/quant/setting';
import { describe, expect, it, vi } from 'vitest';
import { create } from 'zustand';

// The slice calls the app's engine worker; here every call waits until the test answers it.
const pending: { resolve(v: unknown): void; signal?: AbortSignal }[] = [];
vi.mock('../../../src/app/engine', () => ({
  engine: () => ({
    call: (_method: string, _params: unknown, options: { signal?: AbortSignal } = {}) =>
      new Promise((resolve) => pending.push({ resolve, signal: options.signal })),
  }),
}));

const { createExplorerSlice } = await import('../../../src/features/format-explorer/explorerSlice');

describe('format explorer slice', () => {
  it('keeps the newer probe when an older one answers late (the superseded-run guard it lacked)', async () => {
    const store = create(createExplorerSlice as never) as unknown as {
      getState(): import('../../../src/features/format-explorer/explorerSlice').ExplorerSlice;
    };
    const s = () => store.getState();
    const first = s().runExplorer();
    s().setExplorer({ setting: parseSetting('W3g128') });
    const second = s().runExplorer();
    expect(pending[0].signal?.aborted).toBe(true);
    pending[1].resolve({ bitsPerWeight: 3.1 });
    await second;
    pending[0].resolve({ bitsPerWeight: 4.1 }); // answered by the worker before it saw the cancel
    await first;
    const run = s().explorerRun;
    expect(run.state).toBe('done');
    if (run.state === 'done') {
      expect(run.result.bitsPerWeight).toBe(3.1);
      expect(run.settings.setting.weight?.format).toEqual({ kind: 'int', bits: 3, symmetric: true });
    }
  });
});
