import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// tools/sweep/merge.mjs run as `npm run sweep:merge` runs it, on two small files written here.
const config = { samples: 20, seed: 0, ditSteps: 20, ditSampler: 'ddpm', batch: 10, varDraw: 'gumbel-max' };
const sizes = {
  linearParams: 116736,
  totalParams: 121281,
  weightBits: 4,
  bitsPerWeight: 4.5,
  activationBits: 32,
  totalWeightBits: 597888,
  linearBits: 525312,
  transformerBits: 597888,
  computeBits: 14942208,
};
const webgpuPoint = (modelId: string, setting: string, fd: number, extra: object = {}) => ({
  modelId,
  family: modelId.includes('dit') ? 'dit' : 'var',
  depth: 1,
  setting,
  method: 'rtn',
  ...sizes,
  samples: 20,
  fd,
  fdStdErr: 10,
  kid: 0.01,
  kidSe: 0.005,
  accuracy: 0.9,
  steps: modelId.includes('dit') ? 20 : 4,
  cfg: modelId.includes('dit') ? 3 : 1.5,
  ...(modelId.includes('dit') ? { sampler: 'ddpm' } : {}),
  engine: 'webgpu',
  seed: 0,
  partial: false,
  ms: 1000,
  ...extra,
});
// As training/sweep_torch.py writes them: no size fields, `seconds`, no steps for VAR.
const pytorchPoint = (modelId: string, setting: string, fd: number, extra: object = {}) => ({
  modelId,
  family: modelId.includes('dit') ? 'dit' : 'var',
  depth: 1,
  setting,
  method: 'rtn',
  samples: 20,
  seed: 0,
  engine: 'pytorch',
  fd,
  fdStdErr: 11,
  kid: 0.012,
  kidSe: 0.005,
  accuracy: 0.95,
  cfg: modelId.includes('dit') ? 3 : 1.5,
  ...(modelId.includes('dit') ? { steps: 50, sampler: 'ddpm' } : {}),
  seconds: 1.5,
  ...extra,
});

function merge(
  dir: string,
  into: object,
  from: object,
): { out: string; merged: { points: Record<string, unknown>[] } } {
  const intoFile = path.join(dir, 'webgpu.json');
  const fromFile = path.join(dir, 'pytorch.json');
  writeFileSync(intoFile, JSON.stringify(into));
  writeFileSync(fromFile, JSON.stringify(from));
  const out = execFileSync('node', ['tools/sweep/merge.mjs', '--into', intoFile, '--from', fromFile], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { out, merged: JSON.parse(readFileSync(intoFile, 'utf8')) };
}

// Each test starts node processes: seconds on a loaded machine.
describe('npm run sweep:merge', { timeout: 60_000 }, () => {
  const into = {
    formatVersion: 2,
    createdAt: '2026-12-03T00:00:00Z',
    adapter: 'test',
    config,
    points: [
      webgpuPoint('mnist-var-d1', 'fp32', 100),
      webgpuPoint('mnist-var-d1', 'W4g32', 120),
      webgpuPoint('mnist-dit-d1', 'W4g32', 900),
    ],
  };
  const from = {
    formatVersion: 2,
    createdAt: '2026-12-03T01:00:00Z',
    engine: 'pytorch',
    command: 'sweep_torch.py ...',
    processes: 2,
    config: { ...config, ditSteps: 50 },
    points: [
      pytorchPoint('mnist-var-d1', 'fp32', 98),
      pytorchPoint('mnist-var-d1', 'W4g32', 118),
      pytorchPoint('mnist-dit-d1', 'W4g32', 905), // 50 DiT steps against the WebGPU point's 20
      pytorchPoint('mnist-var-d1', 'W2g32', 400), // no WebGPU point
    ],
  };

  it('puts PyTorch points beside their WebGPU twins, with the twins’ sizes, and says what it left out', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sweep-merge-'));
    const { out, merged } = merge(dir, into, from);
    expect(out).toContain('merged 2 of 4 PyTorch points');
    expect(out).toContain('skipped mnist-dit-d1 W4g32: not the same measurement: steps 50 (pytorch) vs 20 (webgpu)');
    expect(out).toContain('skipped mnist-var-d1 W2g32: no WebGPU point of it');
    expect(out).toContain('only 2 points measured by both engines');
    const torch = merged.points.filter((p) => p.engine === 'pytorch');
    expect(torch.map((p) => `${p.modelId} ${p.setting} ${p.fd}`)).toEqual([
      'mnist-var-d1 fp32 98',
      'mnist-var-d1 W4g32 118',
    ]);
    expect(torch[1]).toMatchObject({ ...sizes, method: 'rtn', partial: false, ms: 1500 });
    expect(torch[1]).not.toHaveProperty('seconds');
    expect(merged.points).toHaveLength(5);

    // Merging again replaces the PyTorch points instead of adding them twice.
    const again = merge(dir, merged, { ...from, points: [pytorchPoint('mnist-var-d1', 'fp32', 97)] }).merged;
    expect(again.points.filter((p) => p.engine === 'pytorch').map((p) => `${p.setting} ${p.fd}`)).toEqual([
      'W4g32 118',
      'fp32 97',
    ]);
  });

  it('with --sizes, keeps PyTorch points without a WebGPU twin, sized by the engine; refuses a method mismatch', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sweep-merge-'));
    const sizeRow = (modelId: string, setting: string, method = 'rtn') => ({
      modelId,
      setting,
      method,
      family: 'var',
      depth: 1,
      ...sizes,
      weightBits: setting === 'W2g32' ? 2 : 4,
    });
    const sizesFile = path.join(dir, 'sizes.json');
    writeFileSync(
      sizesFile,
      JSON.stringify({
        formatVersion: 2,
        kind: 'sizes',
        createdAt: '2026-12-03T02:00:00Z',
        adapter: 'SwiftShader (test)',
        weights: { 'mnist-var-d1': 'abc' },
        points: [sizeRow('mnist-var-d1', 'W2g32'), sizeRow('mnist-var-d1', 'W3g32-gptq', 'gptq10')],
      }),
    );
    const fromFile = path.join(dir, 'pytorch.json');
    const outFile = path.join(dir, 'sweep.json');
    const floor = { samples: 20, fd: 50, fdStdErr: 5, kid: 0, kidSe: 0.01, source: 'test digits' };
    writeFileSync(
      fromFile,
      JSON.stringify({
        ...from,
        realDataFloor: floor,
        points: [
          pytorchPoint('mnist-var-d1', 'W2g32', 400),
          pytorchPoint('mnist-var-d1', 'W3g32-gptq', 300, { method: 'gptq128' }),
          pytorchPoint('mnist-var-d1', 'W4g32', 118), // in neither file
        ],
      }),
    );
    const out = execFileSync(
      'node',
      ['tools/sweep/merge.mjs', '--from', fromFile, '--sizes', sizesFile, '--out', outFile],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(out).toContain('merged 1 of 3 PyTorch points');
    expect(out).toContain('skipped mnist-var-d1 W3g32-gptq: method gptq128 (pytorch) vs gptq10 (sizes)');
    expect(out).toContain('skipped mnist-var-d1 W4g32: not in');
    const sweep = JSON.parse(readFileSync(outFile, 'utf8'));
    expect(sweep).toMatchObject({ formatVersion: 2, config: from.config, realDataFloor: floor });
    expect(sweep.adapter).toContain('SwiftShader (test)');
    expect(sweep.points).toHaveLength(1);
    expect(sweep.points[0]).toMatchObject({ ...sizes, weightBits: 2, fd: 400, engine: 'pytorch', ms: 1500 });
    // The app reads it.
    const { parseSweep } = await import('../../src/features/scaling-law/sweepFile');
    expect(parseSweep(sweep).sweep.points[0]!.modelId).toBe('mnist-var-d1');
  });

  it('refuses a formatVersion 1 file, which does not say which engine measured its points', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sweep-merge-'));
    expect(() => merge(dir, { ...into, formatVersion: 1 }, from)).toThrow(/formatVersion 1/);
  });
});
