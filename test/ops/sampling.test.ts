import { describe, expect, it } from 'vitest';
import { drawWithUniform, filterTopKTopP, sampleTokensRef, varCfgRef } from '../../src/ops/sampling';
import { Rng } from '../../src/util/random';
import { freshSeed, uniformArray } from './closeness';
import { torchReference } from './fixtures/torchReference';

describe('sampling reference against training/var_sampling.py (fixtures)', () => {
  it('reproduces every recorded token for 8 top-k / top-p settings', () => {
    const s = torchReference().sampling;
    for (const c of s.cases) {
      expect(Array.from(sampleTokensRef(s.logits, s.u, s.rows, s.vocab, c.topK, c.topP)), `topK ${c.topK} topP ${c.topP}`).toEqual(c.tokens);
    }
  });

  it('keeps ties with the k-th largest logit like torch', () => {
    const s = torchReference().sampling;
    for (const c of s.tieCases) {
      expect(Array.from(sampleTokensRef(s.tieLogits, s.tieU, s.tieRows, s.vocab, c.topK, c.topP)), `ties topK ${c.topK}`).toEqual(c.tokens);
    }
  });
});

describe('sampling reference, properties', () => {
  it('top-p keeps the smallest most-likely set reaching p, top-k keeps k, the draw inverts the CDF', () => {
    const seed = freshSeed();
    const rng = new Rng(seed);
    const logits = uniformArray(() => rng.next(), 50, -4, 4);
    const kept = (f: Float32Array) => Array.from(f).filter((v) => v > -Infinity).length;
    expect(kept(filterTopKTopP(logits, 7, 0)), `seed ${seed}`).toBe(7);
    const filtered = filterTopKTopP(logits, 0, 0.6);
    const probs = Array.from(logits, (v) => Math.exp(v));
    const total = probs.reduce((a, b) => a + b, 0);
    const keptMass = probs.reduce((a, p, i) => a + (filtered[i] > -Infinity ? p : 0), 0) / total;
    const smallestKept = Math.min(...probs.filter((_, i) => filtered[i] > -Infinity)) / total;
    expect(keptMass, `seed ${seed}`).toBeGreaterThanOrEqual(0.6 - 1e-6);
    expect(keptMass - smallestKept, `seed ${seed}: dropping the least likely kept token must fall below p`).toBeLessThan(0.6 + 1e-6);
    // u = 0 picks the first kept index, u -> 1 the last.
    const first = filtered.findIndex((v) => v > -Infinity);
    const last = filtered.length - 1 - Array.from(filtered).reverse().findIndex((v) => v > -Infinity);
    expect(drawWithUniform(filtered, 0)).toBe(first);
    expect(drawWithUniform(filtered, 0.9999999)).toBe(last);
  });

  it('VAR CFG with t = 0 is the conditional logits', () => {
    expect(Array.from(varCfgRef([1.5, -2], [7, 8], 0))).toEqual([1.5, -2]);
    expect(Array.from(varCfgRef([1, 1], [0, 2], 0.5))).toEqual([1.5, 0.5]);
  });
});
