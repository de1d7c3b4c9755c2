/**
 * `npm run bench -- --suite e2e --quick` end to end: headless Chromium, the real engine, onnxruntime-web, the
 * exported DiT graph. Needs Debian's Chromium and takes a minute or more on SwiftShader (several under load), so
 * it runs only when asked: BENCH_E2E=1 npx vitest run --project unit test/bench/endToEndQuick.test.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EndToEndResult } from '../../tools/bench/src/e2e/endToEndTypes';

const ROOT = path.resolve(__dirname, '../..');

describe.runIf(process.env.BENCH_E2E === '1')('end-to-end bench, quick mode', () => {
  it(
    'measures every section without failures and checks the forward against onnxruntime',
    () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'bench-e2e-'));
      try {
        const out = path.join(dir, 'quick.json');
        const run = spawnSync(
          process.execPath,
          ['tools/bench/run.mjs', '--suite', 'e2e', '--quick', '--dev', '--out', out],
          { cwd: ROOT, encoding: 'utf8', timeout: 20 * 60_000 },
        );
        expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
        const result = JSON.parse(readFileSync(out, 'utf8')) as EndToEndResult & {
          machine: { loadAverage1mBefore: number };
        };
        expect(result.schema).toBe('quant-gen-playground/e2e-bench@1');
        expect(result.failures).toEqual([]);
        expect(typeof result.machine.loadAverage1mBefore).toBe('number');
        // Two models x fp32 and W4g32, batch 1; every time positive.
        expect(result.summary.images.map((r) => `${r.model}/${r.setting}`)).toEqual([
          'mnist-var-d1/fp32',
          'mnist-var-d1/W4g32',
          'mnist-dit-d1/fp32',
          'mnist-dit-d1/W4g32',
        ]);
        for (const r of result.summary.images) {
          expect(r.totalMs).toBeGreaterThan(0);
          expect(r.speedupVsFp32).toBeGreaterThan(0);
        }
        const forward = result.summary.forward;
        expect(forward.map((r) => `${r.impl}/${r.setting}`)).toEqual([
          'onnxruntime-web/fp32',
          'ours/fp32',
          'ours/W4g32',
        ]);
        expect(forward[1].relErrorVsOrt).toBeLessThanOrEqual(1e-3);
        expect(result.summary.latency.map((r) => r.model)).toEqual(['mnist-var-d1', 'mnist-dit-d1']);
        for (const m of result.latency) expect(m.samples[0].uncachedMs).toBeGreaterThan(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    25 * 60_000,
  );
});
