/**
 * Two ways to time GPU work, and the record of which one produced a number.
 *
 * - GPU time (`timeComputePass`, `timeCommands`): with `timestamp-query`, each repetition is its own submit whose
 *   timestamps bracket the work on the GPU timeline: the kernel's own pass writes them (its `timestampWrites`), or,
 *   for a buffer copy, empty marker passes before and after it do. Without the feature: wall clock.
 * - Wall clock (`timeWall`): performance.now() around "issue the work, await queue.onSubmittedWorkDone()", one
 *   sample per repetition. This is the only clock onnxruntime-web can be timed with from outside (it submits
 *   through our device's queue), so comparisons with it use this method on both sides.
 *
 * Both warm up first (pipeline compilation, buffer first-touch) and keep every sample.
 */
import { summarize, type TimingStats } from './stats';

export type TimingMethod = 'timestamp-query' | 'wall-clock';

export interface TimedResult extends TimingStats {
  readonly method: TimingMethod;
}

export interface Repetitions {
  readonly warmup: number;
  /** A count, or a rule that picks it from the wall time of the last warm-up run (so slow cases repeat less). */
  readonly reps: number | ((lastWarmupMs: number) => number);
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
   * Times one compute pass: `encode` must pass `timestampWrites` to the single pass it opens (the kernel classes
   * take it as encode's third argument), so the time is exactly that pass on the GPU timeline.
   */
  timeComputePass(encode: (encoder: GPUCommandEncoder, timestampWrites?: GPUComputePassTimestampWrites) => void, reps: Repetitions): Promise<TimedResult> {
    return this.timeTimestamped(reps, encode, (encoder, querySet, i) =>
      encode(encoder, { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 }),
    );
  }

  /**
   * Times commands that are not a compute pass (a buffer copy): empty marker passes with timestampWrites go
   * before and after them in the same command buffer.
   */
  timeCommands(encode: (encoder: GPUCommandEncoder) => void, reps: Repetitions): Promise<TimedResult> {
    return this.timeTimestamped(reps, encode, (encoder, querySet, i) => {
      encoder.beginComputePass({ label: 'GpuTimer.startMarker', timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i } }).end();
      encode(encoder);
      encoder.beginComputePass({ label: 'GpuTimer.endMarker', timestampWrites: { querySet, endOfPassWriteIndex: 2 * i + 1 } }).end();
    });
  }

  private async timeTimestamped(
    reps: Repetitions,
    plain: (encoder: GPUCommandEncoder) => void,
    timed: (encoder: GPUCommandEncoder, querySet: GPUQuerySet, index: number) => void,
  ): Promise<TimedResult> {
    if (this.method === 'wall-clock') return this.timeWall(() => this.submitOnce(plain), reps);
    const count = await this.warmUp(() => this.submitOnce(plain), reps);
    this.ensureCapacity(count * 2);
    // One submit per repetition, as an app would issue them (and no single submit runs for seconds on a CPU device).
    for (let i = 0; i < count; i++) {
      const encoder = this.device.createCommandEncoder({ label: 'GpuTimer.encoder' });
      timed(encoder, this.querySet!, i);
      this.device.queue.submit([encoder.finish()]);
    }
    const ticks = await this.readTimestamps(count * 2);
    const samplesMs: number[] = [];
    for (let i = 0; i < count; i++) samplesMs.push(Number(ticks[2 * i + 1] - ticks[2 * i]) / 1e6);
    return { method: 'timestamp-query', ...summarize(samplesMs) };
  }

  /** Wall clock per repetition around `issue` plus onSubmittedWorkDone; `issue` may be async (onnxruntime runs). */
  async timeWall(issue: () => unknown, reps: Repetitions): Promise<TimedResult> {
    const count = await this.warmUp(issue, reps);
    const samplesMs: number[] = [];
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      await issue();
      await this.device.queue.onSubmittedWorkDone();
      samplesMs.push(performance.now() - start);
    }
    return { method: 'wall-clock', ...summarize(samplesMs) };
  }

  /** Runs the warm-up (at least once) and returns how many timed repetitions to do. */
  private async warmUp(issue: () => unknown, reps: Repetitions): Promise<number> {
    let lastMs = 0;
    for (let i = 0; i < Math.max(1, reps.warmup); i++) {
      const start = performance.now();
      await issue();
      await this.device.queue.onSubmittedWorkDone();
      lastMs = performance.now() - start;
    }
    const count = typeof reps.reps === 'number' ? reps.reps : reps.reps(lastMs);
    if (!Number.isInteger(count) || count < 1) throw new Error(`GpuTimer: repetitions must be a positive integer, got ${count}`);
    return count;
  }

  /** Encodes and submits the work once, alone in its command buffer. */
  submitOnce(encode: (encoder: GPUCommandEncoder) => void): void {
    const encoder = this.device.createCommandEncoder({ label: 'GpuTimer.encoder' });
    encode(encoder);
    this.device.queue.submit([encoder.finish()]);
  }

  destroy(): void {
    this.querySet?.destroy();
    this.resolveBuffer?.destroy();
    this.readBuffer?.destroy();
    this.querySet = this.resolveBuffer = this.readBuffer = undefined;
    this.capacity = 0;
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
