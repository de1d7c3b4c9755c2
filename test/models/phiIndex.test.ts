/**
 * VAR's Phi conv per scale and the ticks behind it, against what the Python side computes with numpy itself
 * (test/fixtures/phi-index.json, written by training/tests/write_phi_fixture.py from training/models/vqvae.py and
 * the official rule): every case of 1..16 scales and 1..8 convs, bit for bit.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { numpyLinspace, phiIndexPerScale, phiTicks, validateBundle } from '../../src/models/bundle/index.ts';
import { manifestOf } from './helpers/editBundle.ts';
import { expectBundleError } from './helpers/expectError.ts';
import { buildFixtureModels } from './helpers/fixtureModels.ts';

interface PhiCase {
  readonly numScales: number;
  readonly phiCount: number;
  readonly ticks: number[];
  readonly index: number[] | null;
}

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/phi-index.json'), 'utf8')) as {
  cases: PhiCase[];
};

describe('phiIndexPerScale against numpy (phi-index.json)', () => {
  it('the fixture covers 1..16 scales for 1..8 convs, and 10 scales with 4 convs is the tie case', () => {
    expect(fixture.cases.length).toBe(16 * 8);
    const official = fixture.cases.find((c) => c.numScales === 10 && c.phiCount === 4)!;
    // Scales 2 and 7 lie halfway between two ticks; numpy's ticks put them on conv 1 and conv 3.
    expect(official.index).toEqual([0, 0, 1, 1, 1, 2, 2, 3, 3, 3]);
  });

  it.each(fixture.cases.map((c) => [c.numScales, c.phiCount, c] as const))('%i scales, %i convs', (_k, _n, c) => {
    // Exact equality of doubles (JSON floats round-trip): the last bit of a tick decides ties.
    expect(phiTicks(c.phiCount)).toEqual(c.ticks);
    if (c.index === null) expect(() => phiIndexPerScale(c.numScales, c.phiCount)).toThrow(/at least two scales/);
    else expect(phiIndexPerScale(c.numScales, c.phiCount)).toEqual(c.index);
  });

  it('numpyLinspace: the last value is stop exactly, and num = 1 gives start', () => {
    const y = numpyLinspace(1 / 12, 11 / 12, 4);
    expect(y[3]).toBe(11 / 12);
    expect(y[1]).toBe(1 * ((11 / 12 - 1 / 12) / 3) + 1 / 12);
    expect(numpyLinspace(0.5, 2, 1)).toEqual([0.5]);
  });
});

describe('the validator checks a tokenizer manifest against numpy', () => {
  it('ticks that are not numpy.linspace -> bad-manifest naming config.phiTicks and the expected values', async () => {
    const src = buildFixtureModels();
    const m = manifestOf(src, 'fx-vqvae');
    m.config.phiTicks = [1 / 12, 5 / 12, 7 / 12, 11 / 12];
    src.setJson('fx-vqvae/manifest.json', m);
    await expectBundleError(
      validateBundle(src, 'fx-vqvae'),
      'bad-manifest',
      "'config.phiTicks'",
      '0.36111111111111105',
      'fx-vqvae/manifest.json',
    );
  });
});
