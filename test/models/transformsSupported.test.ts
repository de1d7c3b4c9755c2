/**
 * requireTransformsSupported: the engine runs -had (RTN or clip, per-token or no activation quantisation) and -lr
 * (RTN, clip or sq, any activation format) and refuses, with a ModelError that names the fix, every modifier it does not run yet and -tg on VAR (no timesteps).
 */
import { describe, expect, it } from 'vitest';
import { requireTransformsSupported } from '../../src/models/runtime/methodWeights';
import { ModelError } from '../../src/models/runtime/errors';
import { parseSetting } from '../../src/quant/setting';

function refusal(text: string, family?: 'var' | 'dit'): ModelError | undefined {
  try {
    requireTransformsSupported(parseSetting(text), family);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError);
    return e as ModelError;
  }
  return undefined;
}

describe('requireTransformsSupported', () => {
  // -mp passes here: the engine resolves it into per-Linear settings (mixedPrecisionSettings.ts, test/models/sensitivity.test.ts).
  it.each([
    'W4g32',
    'W4g32-A4-had',
    'W4g32-had',
    'W32-A8-had',
    'W3g32-A8-clip-had',
    'W4g32-mp3.5',
    'W4g32-A4-lr16',
    'W3g32-lr8',
    'W4g32-A8t-sq0.5-lr8',
    'W3g32-A8-clip-lr4',
  ])('runs %s', (text) => {
    expect(refusal(text, 'var')).toBeUndefined();
    expect(refusal(text, 'dit')).toBeUndefined();
  });

  it.each([
    ['W4g32-A8-gptq-lr8', 'var', /-lr8 with GPTQ is not implemented yet/, /RTN, -clip or -sq/],
    ['W4g32-A4-had-lr8', 'var', /-lr8 with -had/, /either -lr8 or -had/],
    ['W4g32-lr8-mp3', 'dit', /-lr8 with -mp/, /either -lr8 or -mp3/],
    ['W4g32-A4-tg10', 'dit', /-tg<k> modifier .* does not run it yet/, /Drop -tg10/],
    ['W4g32-A4-tg10', 'var', /VAR predicts scales, not timesteps/, /pick a DiT model/],
    ['W4g32-A8-gptq-had', 'dit', /-had with GPTQ is not implemented yet/, /RTN or -clip/],
    ['W8c-A8-sq0.5-had', 'var', /-had with SmoothQuant/, /drop -had/],
    ['W4g32-A8t-had', 'dit', /per-tensor static activation scale/, /-A8 instead of -A8t/],
  ] as const)('refuses %s on %s', (text, family, problem, fix) => {
    const error = refusal(text, family);
    expect(error?.code).toBe('setting-unsupported');
    expect(error?.message).toMatch(problem);
    expect(error?.message).toContain(text);
    expect(error?.fix).toMatch(fix);
  });
});
