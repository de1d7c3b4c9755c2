import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { create } from 'zustand';
import { parseSetting, settingToString } from '../../src/quant/setting';
import { FOLLOW_DELAY_MS } from '../../src/features/scaling-law/liveFollow';
import { columnTargets, playgroundMarks } from '../../src/features/scaling-law/playgroundLink';
import { qualityPoint } from './scalingLawFixtures';

// A fake engine: every call waits until the test answers it, and records what it was asked and its signal.
interface Call {
  method: string;
  params: { modelId?: string; setting?: unknown; samples?: number };
  signal?: AbortSignal;
  resolve(v: unknown): void;
}
const calls: Call[] = [];
vi.mock('../../src/app/engine', () => ({
  engine: () => ({
    call: (method: string, params: Call['params'], options: { signal?: AbortSignal } = {}) =>
      new Promise((resolve) => calls.push({ method, params, signal: options.signal, resolve })),
  }),
}));

const { createScalingLawSlice } = await import('../../src/features/scaling-law/scalingLawSlice');
const { createPlaygroundSlice } = await import('../../src/features/playground/playgroundSlice');
type State = import('../../src/features/scaling-law/scalingLawSlice').ScalingLawSlice &
  import('../../src/features/playground/playgroundSlice').PlaygroundSlice;

function makeStore() {
  const store = create<State>()((...a) => ({
    ...createScalingLawSlice(...(a as Parameters<typeof createScalingLawSlice>)),
    ...createPlaygroundSlice(...(a as Parameters<typeof createPlaygroundSlice>)),
  }));
  return () => store.getState();
}

const measures = () => calls.filter((c) => c.method === 'measureQuality');
const settingOf = (c: Call) => settingToString(c.params.setting as never);
const W = (text: string) => parseSetting(text);
const point = (modelId: string, setting: string, fd: number) => ({
  ...qualityPoint({ modelId, setting, weightBits: 4, fd }),
  setting: W(setting),
});

describe('"Measure as I change": the live point follows the playground', () => {
  beforeEach(() => {
    calls.length = 0;
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('is off by default: changing the playground measures nothing', () => {
    const s = makeStore();
    expect(s().scalingFollow).toBe(false);
    s().setColumn(0, W('W3g32'));
    vi.advanceTimersByTime(10 * FOLLOW_DELAY_MS);
    expect(measures()).toHaveLength(0);
  });

  it('turned on, measures the active column after the debounce, with the panel’s sample count', () => {
    const s = makeStore();
    s().setScalingPick({ samples: 10 });
    s().setView({ active: 1 }); // default columns W4g32, W2g32
    s().setScalingFollow(true);
    vi.advanceTimersByTime(FOLLOW_DELAY_MS - 1);
    expect(measures()).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(measures()).toHaveLength(1);
    expect(measures()[0].params).toMatchObject({ modelId: 'mnist-var-d2', samples: 10 });
    expect(settingOf(measures()[0])).toBe('W2g32');
    const live = s().scalingLive;
    expect(live.state === 'running' && live.column).toBe(1);
  });

  it('starts one measurement, of the last setting, when the bits change several times in quick succession', () => {
    const s = makeStore();
    s().setScalingFollow(true);
    vi.advanceTimersByTime(FOLLOW_DELAY_MS);
    expect(measures().map(settingOf)).toEqual(['W4g32']);
    for (const bits of ['W3g32', 'W6g32', 'W8g32']) {
      s().setColumn(0, W(bits));
      vi.advanceTimersByTime(FOLLOW_DELAY_MS / 2);
    }
    vi.advanceTimersByTime(FOLLOW_DELAY_MS);
    expect(measures().map(settingOf)).toEqual(['W4g32', 'W8g32']);
  });

  it('cancels the stale run at the change, not after the wait, and drops its late answer', async () => {
    const s = makeStore();
    s().setScalingFollow(true);
    vi.advanceTimersByTime(FOLLOW_DELAY_MS);
    const stale = measures()[0];
    expect(stale.signal?.aborted).toBe(false);
    s().setColumn(0, W('W3g32'));
    expect(stale.signal?.aborted).toBe(true);
    vi.advanceTimersByTime(FOLLOW_DELAY_MS);
    const fresh = measures()[1];
    expect(settingOf(fresh)).toBe('W3g32');
    // The worker answers the stale run after all (cancellation reaches it asynchronously): it must not land.
    stale.resolve(point('mnist-var-d2', 'W4g32', 111));
    fresh.resolve(point('mnist-var-d2', 'W3g32', 222));
    await vi.runAllTimersAsync();
    expect(s().scalingMeasured.map((p) => p.fd)).toEqual([222]);
    expect(s().scalingLive.state).toBe('idle');
  });

  it('re-measures when the active column or the model changes, and not when something else does', () => {
    const s = makeStore();
    s().setScalingFollow(true);
    vi.advanceTimersByTime(FOLLOW_DELAY_MS);
    s().setView({ seed: 5, classLabel: 3 });
    vi.advanceTimersByTime(FOLLOW_DELAY_MS);
    expect(measures()).toHaveLength(1);
    s().setView({ active: 1 });
    vi.advanceTimersByTime(FOLLOW_DELAY_MS);
    s().setView({ size: 3 });
    vi.advanceTimersByTime(FOLLOW_DELAY_MS);
    expect(measures().map((c) => `${c.params.modelId} ${settingOf(c)}`)).toEqual([
      'mnist-var-d2 W4g32',
      'mnist-var-d2 W2g32',
      'mnist-var-d3 W2g32',
    ]);
  });

  it('turned off, starts nothing pending and leaves the running measurement alone', () => {
    const s = makeStore();
    s().setScalingFollow(true);
    vi.advanceTimersByTime(FOLLOW_DELAY_MS);
    s().setColumn(0, W('W3g32'));
    s().setScalingFollow(false);
    vi.advanceTimersByTime(10 * FOLLOW_DELAY_MS);
    expect(measures()).toHaveLength(1);
    s().setColumn(0, W('W2g32')); // duplicate of column 2: refused, nothing happens either way
    s().setColumn(0, W('W6g32'));
    vi.advanceTimersByTime(10 * FOLLOW_DELAY_MS);
    expect(measures()).toHaveLength(1);
  });
});

describe('playground marks on the sweep curves', () => {
  const points = [
    point('mnist-var-d2', 'W4g32', 50),
    point('mnist-var-d2', 'W2g32', 90),
    point('mnist-var-d3', 'W4g32', 40),
    point('mnist-var-d2-qat-w2g32-task', 'W2g32', 60),
  ];
  const models = {
    state: 'ready' as const,
    models: [
      {
        id: 'mnist-var-d2-qat-w2g32-task',
        quantTraining: { teacher: 'mnist-var-d2', setting: W('W2g32~qat-task') },
      },
    ] as never,
  };

  it('marks the points of the playground model at its columns’ settings, the active one flagged', () => {
    const targets = columnTargets({
      modelId: 'mnist-var-d2',
      playground: { columns: [W('W4g32'), W('W3g32'), W('W2g32')], active: 2 },
      models,
    });
    const { marks, unmarked } = playgroundMarks(points, targets);
    expect(marks.map((m) => [m.point.fd, m.columns, m.active])).toEqual([
      [50, [0], false],
      [90, [2], true],
    ]);
    expect(unmarked.map((t) => t.column)).toEqual([1]); // W3g32 was not swept
  });

  it('marks a trained student’s column at the student bundle’s point', () => {
    const targets = columnTargets({
      modelId: 'mnist-var-d2',
      playground: { columns: [W('W2g32~qat-task'), W('W2g32~qat-fkl')], active: 0 },
      models,
    });
    expect(targets.map((t) => t.modelId)).toEqual(['mnist-var-d2-qat-w2g32-task', undefined]);
    const { marks, unmarked } = playgroundMarks(points, targets);
    expect(marks.map((m) => m.point.fd)).toEqual([60]);
    expect(unmarked.map((t) => t.column)).toEqual([1]); // no fkl student shipped
  });
});
