import { parseSetting } from '../../../src/quant/setting';
import { describe, expect, it } from 'vitest';
import { cellsToCsv, type ExportCell } from '../../../src/features/playground/exportResults';
import type { ComparedRun, RunSummary, VarStepError } from '../../../src/worker/protocol';

const memory = {
  weightBytes: 1000,
  idealWeightBytes: 900,
  bitsPerWeight: 4.5,
  linearParams: 1600,
} as unknown as RunSummary['memory'];
const row = { modelId: 'mnist-var-d1', classLabel: 3, seed: 5, steps: 0 };

describe('playground CSV export', () => {
  it('writes one line per cell with PSNR (Infinity spelled out), the final state error and the VAR token count', () => {
    const reference: RunSummary = {
      setting: parseSetting('fp32'),
      output: new Float32Array(4),
      memory,
      ms: 12,
      prediction: { label: 3, confidence: 0.98 } as RunSummary['prediction'],
    };
    const agree = [1, 0.75, 5 / 9, 0.5];
    const steps: VarStepError[] = [1, 2, 3, 4].map((pn, k) => ({
      kind: 'var',
      step: k,
      progress: (k + 1) / 4,
      patchNum: pn,
      fHatRelL2: 0.1 * (k + 1),
      tokenAgreement: agree[k],
      softRelL2: 0,
      snappedRelL2: 0,
    }));
    const quantised: ComparedRun = {
      ...reference,
      setting: parseSetting('W4g32'),
      psnr: Infinity,
      outputRelL2: 0,
      steps,
    };
    const cells: ExportCell[] = [
      { row, column: 'fp32', run: reference },
      { row, column: 'W4g32', run: quantised },
    ];
    const [header, fp32, w4] = cellsToCsv(cells)
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    const at = (line: string[], name: string) => line[header.indexOf(name)];
    expect(header.slice(-3)).toEqual(['finalStateRelL2', 'tokensAsFp32', 'tokens']);
    expect([at(fp32, 'column'), at(fp32, 'psnrDb'), at(fp32, 'tokensAsFp32')]).toEqual(['fp32', '', '']);
    // 1 + 3 + 5 + 8 of 1 + 4 + 9 + 16 tokens.
    expect([at(w4, 'psnrDb'), at(w4, 'finalStateRelL2'), at(w4, 'tokensAsFp32'), at(w4, 'tokens')]).toEqual([
      'Infinity',
      '0.4',
      '17',
      '30',
    ]);
  });
});
