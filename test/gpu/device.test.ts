import { describe, expect, it } from 'vitest';
import { readBuffer, takeUncapturedErrors, testDevice } from './device';

describe('test device', () => {
  it('runs a compute shader on the adapter', async () => {
    const device = await testDevice();
    const module = device.createShaderModule({
      label: 'test.doubleIndex',
      code: `@group(0) @binding(0) var<storage, read_write> out: array<f32>;
        @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) { out[id.x] = f32(id.x) * 2.0; }`,
    });
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const out = device.createBuffer({ size: 256, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: out } }],
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(1);
    pass.end();
    device.queue.submit([encoder.finish()]);
    const values = new Float32Array(await readBuffer(device, out));
    expect(Array.from(values.slice(0, 4))).toEqual([0, 2, 4, 6]);
    out.destroy();
  });

  it('records uncaptured validation errors so tests can fail on them', async () => {
    const device = await testDevice();
    device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE }); // invalid usage mix
    await device.queue.onSubmittedWorkDone();
    await new Promise((r) => setTimeout(r, 50));
    expect(takeUncapturedErrors().length).toBeGreaterThan(0);
  });
});
