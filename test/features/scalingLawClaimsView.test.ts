/** ClaimsView renders every claim of the shipped sweep with its verdict, numbers and what would change it (server render). */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { ClaimsView } from '../../src/features/scaling-law/ClaimsView';
import { parseSweep } from '../../src/features/scaling-law/sweepFile';

describe('ClaimsView', () => {
  it('states the four claims, their verdicts and evidence; without a sweep it says so', () => {
    const { sweep } = parseSweep(JSON.parse(readFileSync('public/sweeps/mnist-sweep.json', 'utf8')));
    const html = renderToStaticMarkup(createElement(ClaimsView, { sweep, metric: 'fd' }));
    for (const id of ['var-vs-dit', 'ptq-methods', 'distillation', 'step-errors', 'beyond-the-paper'])
      expect(html).toContain(`data-testid="claim-${id}"`);
    expect(html).toContain('What would change it:');
    expect(html).toContain('Not measured by this sweep');
    if (sweep.formatVersion === 1) expect(html).toContain('class-aligned jackknife groups');
    expect(renderToStaticMarkup(createElement(ClaimsView, { sweep: undefined, metric: 'fd' }))).toContain(
      'No sweep loaded',
    );
  });
});

describe("pairedLines (the live point's paired metrics)", async () => {
  const { pairedLines } = await import('../../src/features/scaling-law/pairedText');
  it('formats each metric with ± its error, infinite PSNR as identical, and nothing without paired metrics', () => {
    const lines = pairedLines({
      samples: 20,
      psnr: { value: 31.234, stdError: 1.26, samples: 20 },
      labelAgreement: { value: 0.95, stdError: 0.05, samples: 20 },
      tokenAgreement: { value: 0.5, stdError: NaN, samples: 1 },
    });
    expect(lines.map((l) => `${l.label}: ${l.text}`)).toEqual([
      'PSNR vs fp32: 31.2 ± 1.3 dB',
      'Label agreement with fp32: 95.0 ± 5.0%',
      'Token agreement with fp32: 50.0% (error needs 3+ samples)',
    ]);
    expect(pairedLines({ samples: 5, psnr: { value: Infinity, stdError: 0, samples: 5 } })[0]!.text).toBe(
      'identical to fp32 (∞ dB)',
    );
    expect(pairedLines(undefined)).toEqual([]);
  });
});
