/**
 * The kernel bench (tools/bench/src/runBench.ts) without a browser: our WGSL on Dawn for Node (the `webgpu` package in
 * node_modules), for GPU servers with no Chromium and no network (tools/bench/gpu-check.sh). onnxruntime-web needs a
 * browser, so there is no ORT column here; ours, f32 and copy are measured exactly as in the page.
 *
 *   BENCH_DAWN=1 BENCH_OUT=out.json [BENCH_PARAMS='quick=1&sizes=1024,4096'] [DAWN_ADAPTER=gpu|fallback] \
 *     npx vitest run --project unit test/bench/dawnKernelBench.test.ts
 *
 * DAWN_ADAPTER=gpu (default) asks for the high-performance adapter (a real GPU through its Vulkan driver);
 * fallback asks for SwiftShader (VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json).
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { create, globals } from 'webgpu';
import { configFromUrl } from '../../tools/bench/src/benchConfig';
import { runBench } from '../../tools/bench/src/runBench';

const enabled = process.env.BENCH_DAWN === '1';

describe.skipIf(!enabled)('kernel bench on Dawn for Node', () => {
  it('runs the bench and writes its JSON', { timeout: 30 * 60_000 }, async () => {
    Object.assign(globalThis, globals);
    // Same toggle as test/gpu/device.ts: the zero-init extension makes SwiftShader compile GEMMs for seconds.
    const gpu = create(['disable-dawn-features=use_vulkan_zero_initialize_workgroup_memory_extension']);
    const params = new URLSearchParams(process.env.BENCH_PARAMS ?? '');
    params.set('ort', '0');
    const config = configFromUrl(`?${params}`);
    const fallback = process.env.DAWN_ADAPTER === 'fallback';
    const loadBefore = os.loadavg()[0];
    const result = await runBench(config, (p) => console.log(`[bench] [${p.done}/${p.total}] ${p.message}`), {
      gpu,
      forceFallbackAdapter: fallback,
    });
    const cpus = os.cpus();
    const out = {
      ...result,
      machine: {
        cpuModel: cpus[0]?.model ?? 'unknown',
        cores: cpus.length,
        memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
        platform: `${os.platform()} ${os.release()} ${os.arch()}`,
        node: process.version,
        loadAverage1mBefore: Math.round(loadBefore * 100) / 100,
        loadAverage1mAfter: Math.round(os.loadavg()[0] * 100) / 100,
      },
      browser: {
        name: 'none: Dawn for Node (webgpu npm package)',
        dawnAdapter: fallback ? 'fallback' : 'high-performance',
      },
      served: 'vitest (sources)',
    };
    const path = process.env.BENCH_OUT ?? 'bench-results/kernels-dawn.json';
    writeFileSync(path, `${JSON.stringify(out, null, 1)}\n`);
    console.log(`wrote ${path}: ${result.measurements.length} measurements, ${result.failures.length} failures`);
    expect(result.failures).toEqual([]);
  });
});
