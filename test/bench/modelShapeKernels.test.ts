/**
 * Matmul cost at the shapes the bundled generators run (VAR d2: width 128, 2..32 tokens with CFG; DiT d2: width 64,
 * 32 tokens), on Dawn for Node: f32 against W4g32 (A16) and W4g32 + per-token INT8 activations (A8: the
 * activation-quant pass, or the fused int8 path), each layer set encoded many times into one command buffer, as a
 * sampling step does. Wall clock per pass over the layer set; ratios only within one run. A diagnostic, not part
 * of `npm test`:
 *
 *   MODEL_SHAPES=1 VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json \
 *     nice -n 19 npx vitest run --project unit test/bench/modelShapeKernels.test.ts
 */
import { describe, it } from 'vitest';
import {
  ActivationQuantKernel,
  Dot4MatmulKernel,
  GpuPackedWeight,
  MatmulF32Kernel,
  QuantMatmulKernel,
} from '../../src/kernels';
import { quantizeWeight } from '../../src/quant';
import { dawnGpu, testDevice } from '../gpu/device';

const enabled = process.env.MODEL_SHAPES === '1';

// [name, m, K, N]
const SHAPES: [string, number, number, number][] = [
  ['bench m64 1024', 64, 1024, 1024],
  ['var qkv m2', 2, 128, 384],
  ['var fc1 m8', 8, 128, 512],
  ['var fc2 m18', 18, 512, 128],
  ['var qkv m32', 32, 128, 384],
  ['var fc1 m32', 32, 128, 512],
  ['var fc2 m32', 32, 512, 128],
  ['dit qkv m32', 32, 64, 192],
  ['dit fc1 m32', 32, 64, 256],
  ['dit fc2 m32', 32, 256, 64],
];

function random(n: number, seed: number): Float32Array<ArrayBuffer> {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2;
  }
  return out;
}

function upload(device: GPUDevice, data: Float32Array<ArrayBuffer>, usage = GPUBufferUsage.STORAGE): GPUBuffer {
  const buffer = device.createBuffer({ size: Math.max(16, data.byteLength), usage: usage | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

describe.skipIf(!enabled)('matmuls at the generators shapes', () => {
  it('times f32, W4g32 and W4g32-A8', { timeout: 20 * 60_000 }, async () => {
    const device = await testDevice();
    const f32 = new MatmulF32Kernel(device);
    const quant = new QuantMatmulKernel(device);
    const act = new ActivationQuantKernel(device);
    const dot4 = new Dot4MatmulKernel(device, dawnGpu().wgslLanguageFeatures as ReadonlySet<string>);
    const REPS = Number(process.env.MODEL_SHAPES_REPS ?? 40);
    const rows: string[] = [];
    const only = process.env.MODEL_SHAPES_FILTER ? new RegExp(process.env.MODEL_SHAPES_FILTER) : undefined;
    for (const [name, m, k, n] of SHAPES) {
      if (only && !only.test(name)) continue;
      const w = random(n * k, 1);
      const wBuf = upload(device, w);
      const packed = GpuPackedWeight.upload(
        device,
        quantizeWeight(w, n, k, { kind: 'int', bits: 4, symmetric: true }, { kind: 'group', size: 32 }),
        name,
      );
      const x = upload(device, random(m * k, 2));
      const scratch = upload(device, new Float32Array(m * k));
      const y = device.createBuffer({ size: m * n * 4, usage: GPUBufferUsage.STORAGE });
      const bias = upload(device, random(n, 3));
      const variants: Record<string, (e: GPUCommandEncoder) => void> = {
        f32: (e) => f32.encode(e, { w: wBuf, n, k, x, y, m, bias }),
        f32tiled: (e) => f32.encode(e, { w: wBuf, n, k, x, y, m, bias, variant: 'gemm' }),
        f32rows: (e) => f32.encode(e, { w: wBuf, n, k, x, y, m, bias, variant: 'gemm-rows' }),
        f32block: (e) => f32.encode(e, { w: wBuf, n, k, x, y, m, bias, variant: 'gemm-block' }),
        w4: (e) => quant.encode(e, { weight: packed, x, y, m, k, bias }),
        w4tiled: (e) => quant.encode(e, { weight: packed, x, y, m, k, bias, variant: 'gemm' }),
        w4rows: (e) => quant.encode(e, { weight: packed, x, y, m, k, bias, variant: 'gemm-rows' }),
        w4block: (e) => quant.encode(e, { weight: packed, x, y, m, k, bias, variant: 'gemm-block' }),
        w4a8: (e) => {
          act.encode(e, {
            x,
            y: scratch,
            tokens: m,
            cols: k,
            format: { kind: 'int', bits: 8 },
            scaling: { kind: 'token' },
          });
          quant.encode(e, { weight: packed, x: scratch, y, m, k, bias });
        },
        w4a8dot4: (e) =>
          dot4.encode(e, {
            weight: packed,
            x,
            xq: scratch,
            y,
            m,
            k,
            bias,
            format: { kind: 'int', bits: 8 },
            scaling: { kind: 'token' },
          }),
      };
      const onlyVariants = process.env.MODEL_SHAPES_VARIANTS
        ? new RegExp(process.env.MODEL_SHAPES_VARIANTS)
        : undefined;
      for (const label of Object.keys(variants))
        if (label !== 'f32' && onlyVariants && !onlyVariants.test(label)) delete variants[label];
      const times: Record<string, number[]> = {};
      for (let round = 0; round < 4; round++) {
        for (const [label, encode] of Object.entries(variants)) {
          const t0 = performance.now();
          const encoder = device.createCommandEncoder();
          for (let r = 0; r < REPS; r++) encode(encoder);
          device.queue.submit([encoder.finish()]);
          await device.queue.onSubmittedWorkDone();
          if (round > 0) (times[label] ??= []).push((performance.now() - t0) / REPS);
        }
      }
      const med = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
      const f = med(times.f32);
      rows.push(
        `${name.padEnd(12)} path ${quant.choose(m).path.padEnd(9)} f32 ${f.toFixed(3)} ms  ` +
          Object.keys(variants)
            .filter((v) => v !== 'f32')
            .map((v) => `${v} ${med(times[v]).toFixed(3)} (${(f / med(times[v])).toFixed(2)}x)`)
            .join('  '),
      );
      console.log(rows.at(-1));
      for (const b of [wBuf, x, scratch, y, bias]) b.destroy();
      packed.destroy();
    }
    console.log(rows.join('\n'));
  });
});
