/**
 * Two clocks for GPU work, and the record of which one produced a number.
 *
 * - GPU time (`timeComputePass`, `timeCommands`): with `timestamp-query`, each repetition is its own submit whose
 *   timestamps bracket the work on the GPU timeline: the kernel's own pass writes them (its `timestampWrites`), or,
 *   for a buffer copy, empty marker passes before and after it do. Without the feature: wall clock only.
 * - Wall clock: performance.now() around "issue the work, await queue.onSubmittedWorkDone()", one sample per
 *   repetition. This is the only clock onnxruntime-web can be timed with from outside (it submits through our
 *   device's queue), so comparisons with it use this clock on both sides. The timestamped repetitions are issued
 *   the same way, so they yield a wall sample each at no extra cost.
 *
 * Warm-up runs come first (pipeline compilation, buffer first-touch); every sample is kept.
 */
import { summarize, type TimingStats } from './stats';

export type TimingMethod = 'timestamp-query' | 'wall-clock';

export interface TimedResult extends TimingStats {
  readonly method: TimingMethod;
}

export interface TimedPair {
  /** The best clock available: GPU timestamps, else wall clock. */
  readonly time: TimedResult;
  readonly wall: TimedResult;
}

export interface RepetitionPlan {
  readonly warmup: number;
  readonly reps: number;
}

export class GpuTimer {
  readonly method: TimingMethod;
  readonly device: GPUDevice;
  private querySet: GPUQuerySet | undefined;
  private resolveBuffer: GPUBuffer | undefined;
  private readBuffer: GPUBuffer | undefined;
  private capacity = 0;

  constructor(device: GPUDevice, preferTimestamps = true) {
    this.device = device;
    this.method = preferTimestamps && device.features.has('timestamp-query') ? 'timestamp-query' : 'wall-clock';
  }

  /**
   * Times one compute pass: `encode` must hand `timestampWrites` to the single pass it opens (the kernel classes
   * take it as encode's third argument), so the GPU time is exactly that pass.
   */
  timeComputePass(
    encode: (encoder: GPUCommandEncoder, timestampWrites?: GPUComputePassTimestampWrites) => void,
    plan: RepetitionPlan,
  ): Promise<TimedPair> {
    return this.timeRepetitions(plan, (encoder, querySet, i) =>
      encode(
        encoder,
        querySet ? { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } : undefined,
      ),
    );
  }

  /** Times commands that are not a compute pass (a buffer copy), between empty marker passes that write the timestamps. */
  timeCommands(encode: (encoder: GPUCommandEncoder) => void, plan: RepetitionPlan): Promise<TimedPair> {
    return this.timeRepetitions(plan, (encoder, querySet, i) => {
      if (querySet)
        encoder
          .beginComputePass({
            label: 'GpuTimer.startMarker',
            timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i },
          })
          .end();
      encode(encoder);
      if (querySet)
        encoder
          .beginComputePass({
            label: 'GpuTimer.endMarker',
            timestampWrites: { querySet, endOfPassWriteIndex: 2 * i + 1 },
          })
          .end();
    });
  }

  /** Wall clock only, around `issue` (which may be async, like an onnxruntime run) plus onSubmittedWorkDone. */
  async timeWall(issue: () => unknown, plan: RepetitionPlan): Promise<TimedResult> {
    for (let i = 0; i < plan.warmup; i++) await this.issueAndWait(issue);
    const samplesMs: number[] = [];
    for (let i = 0; i < plan.reps; i++) samplesMs.push(await this.issueAndWait(issue));
    return { method: 'wall-clock', ...summarize(samplesMs) };
  }

  /** Wall time of one `issue` + onSubmittedWorkDone, in ms. */
  async issueAndWait(issue: () => unknown): Promise<number> {
    const start = performance.now();
    await issue();
    await this.device.queue.onSubmittedWorkDone();
    return performance.now() - start;
  }

  destroy(): void {
    this.querySet?.destroy();
    this.resolveBuffer?.destroy();
    this.readBuffer?.destroy();
    this.querySet = this.resolveBuffer = this.readBuffer = undefined;
    this.capacity = 0;
  }

  private async timeRepetitions(
    plan: RepetitionPlan,
    record: (encoder: GPUCommandEncoder, querySet: GPUQuerySet | undefined, index: number) => void,
  ): Promise<TimedPair> {
    const submit = (querySet: GPUQuerySet | undefined, index: number): void => {
      const encoder = this.device.createCommandEncoder({ label: 'GpuTimer.encoder' });
      record(encoder, querySet, index);
      this.device.queue.submit([encoder.finish()]);
    };
    for (let i = 0; i < plan.warmup; i++) await this.issueAndWait(() => submit(undefined, 0));
    const timestamps = this.method === 'timestamp-query';
    if (timestamps) this.ensureCapacity(plan.reps * 2);
    const wallMs: number[] = [];
    // One submit per repetition, waited for before the next, as the wall clock needs (and so no single submit
    // runs for seconds on a CPU adapter).
    for (let i = 0; i < plan.reps; i++)
      wallMs.push(await this.issueAndWait(() => submit(timestamps ? this.querySet : undefined, i)));
    const wall: TimedResult = { method: 'wall-clock', ...summarize(wallMs) };
    if (!timestamps) return { time: wall, wall };
    const ticks = await this.readTimestamps(plan.reps * 2);
    const gpuMs: number[] = [];
    for (let i = 0; i < plan.reps; i++) gpuMs.push(Number(ticks[2 * i + 1] - ticks[2 * i]) / 1e6);
    return { time: { method: 'timestamp-query', ...summarize(gpuMs) }, wall };
  }

  private ensureCapacity(count: number): void {
    if (count <= this.capacity) return;
    this.destroy();
    this.capacity = count;
    this.querySet = this.device.createQuerySet({ label: 'GpuTimer.querySet', type: 'timestamp', count });
    this.resolveBuffer = this.device.createBuffer({
      label: 'GpuTimer.resolveBuffer',
      size: count * 8,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
    this.readBuffer = this.device.createBuffer({
      label: 'GpuTimer.readBuffer',
      size: count * 8,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
  }

  private async readTimestamps(count: number): Promise<BigUint64Array> {
    const encoder = this.device.createCommandEncoder({ label: 'GpuTimer.resolveEncoder' });
    encoder.resolveQuerySet(this.querySet!, 0, count, this.resolveBuffer!, 0);
    encoder.copyBufferToBuffer(this.resolveBuffer!, 0, this.readBuffer!, 0, count * 8);
    this.device.queue.submit([encoder.finish()]);
    await this.readBuffer!.mapAsync(GPUMapMode.READ, 0, count * 8);
    const ticks = new BigUint64Array(this.readBuffer!.getMappedRange(0, count * 8).slice(0));
    this.readBuffer!.unmap();
    return ticks;
  }
}
