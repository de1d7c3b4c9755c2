import { describe, expect, it } from 'vitest';
import { GpuContext, adapterLabel } from '../../src/gpu/gpuContext';
import { GpuError } from '../../src/gpu/errors';
import { dawnGpu } from './device';

describe('GpuContext', () => {
  it('creates a device on the adapter and summarises it', async () => {
    const ctx = await GpuContext.create({ gpu: dawnGpu(), forceFallbackAdapter: true });
    expect(ctx.adapter.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
    expect(ctx.adapter.features).toContain('subgroups');
    expect(adapterLabel(ctx.adapter).length).toBeGreaterThan(0);
    expect(ctx.hasSubgroups).toBe(ctx.device.features.has('subgroups'));
    ctx.destroy();
    ctx.destroy(); // idempotent
    expect(ctx.lost).toBeUndefined(); // our own destroy is not a loss
  });

  it('reports a device lost by someone else as a typed error with a fix', async () => {
    const ctx = await GpuContext.create({ gpu: dawnGpu(), forceFallbackAdapter: true });
    const errors: GpuError[] = [];
    ctx.onError((e) => errors.push(e));
    ctx.device.destroy(); // as if the driver had reset
    await ctx.device.lost;
    await new Promise((r) => setTimeout(r, 0));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'device-lost' });
    expect(errors[0]!.fix).toMatch(/Restart GPU/);
    expect(ctx.lost?.code).toBe('device-lost');
  });

  it('throws a typed error naming the fix when WebGPU is missing', async () => {
    const error = await GpuContext.create({ gpu: undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpuError);
    expect(error).toMatchObject({ code: 'webgpu-unavailable' });
    expect((error as GpuError).fix).toMatch(/enable-unsafe-webgpu/);
  });

  it('throws a typed error when no adapter is found', async () => {
    const noAdapter = { requestAdapter: async () => null } as unknown as GPU;
    const error = await GpuContext.create({ gpu: noAdapter }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'adapter-unavailable' });
  });
});
