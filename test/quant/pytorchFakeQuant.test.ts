/**
 * The PyTorch fake quantiser (training/quant.py, used for quantised goldens, PTQ baselines and QAT) must give
 * the same numbers as src/quant. training/write_quant_fixture.py stores random inputs and quant.py's outputs;
 * here src/quant recomputes them. Tolerance: none, every value must be bit-identical in f32 (both sides follow
 * the same f16 scale rule, f64 code selection, ties-to-even and one f32 rounding per dequant operation).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dequantizeWeight, fakeQuantActivations, parseSetting, quantizeWeight } from '../../src/quant';

interface WeightCase {
  setting: string;
  rows: number;
  cols: number;
  w: string;
  out: string;
  note?: string;
}
interface ActivationCase {
  setting: string;
  tokens: number;
  cols: number;
  x: string;
  out: string;
  scale?: number;
}
interface Fixture {
  weights: WeightCase[];
  activations: ActivationCase[];
}

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/pytorch-fake-quant.json', import.meta.url), 'utf8'),
) as Fixture;

function f32(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Indices where two arrays differ as f32 bit patterns (so -0 vs +0 counts as equal only when both are zero). */
function mismatches(a: Float32Array, b: Float32Array): number[] {
  const bad: number[] = [];
  for (let i = 0; i < a.length; i++) if (!(a[i] === b[i])) bad.push(i);
  return bad;
}

describe('training/quant.py matches src/quant', () => {
  it('covers every weight format and granularity, and the activation formats', () => {
    const weightSettings = new Set(fixture.weights.map((c) => c.setting));
    expect(weightSettings.size).toBeGreaterThanOrEqual(19 * 5);
    expect(fixture.activations.map((c) => c.setting)).toEqual(
      expect.arrayContaining(['W32-A8', 'W32-A8t', 'W32-Afp8e4m3', 'W32-Afp8e5m2t']),
    );
  });

  it('weights: dequantizeWeight(quantizeWeight(w)) equals fake_quant_weight(w) bit for bit', () => {
    for (const c of fixture.weights) {
      const setting = parseSetting(c.setting);
      const w = f32(c.w);
      const expected = f32(c.out);
      expect(w.length, c.setting).toBe(c.rows * c.cols);
      const got = dequantizeWeight(
        quantizeWeight(w, c.rows, c.cols, setting.weight!.format, setting.weight!.granularity),
      );
      const bad = mismatches(got, expected);
      const where = `${c.setting}${c.note ? ` (${c.note})` : ''}: first mismatch at ${bad[0]}: ts ${got[bad[0]]} vs torch ${expected[bad[0]]}`;
      expect(bad.length, where).toBe(0);
      // The fixture is not trivially the input: quantisation changed values.
      expect(mismatches(w, expected).length, `${c.setting} output equals its input`).toBeGreaterThan(0);
    }
  });

  it('activations: fakeQuantActivations equals fake_quant_act bit for bit (per token and per tensor)', () => {
    for (const c of fixture.activations) {
      const setting = parseSetting(c.setting);
      const x = f32(c.x);
      const expected = f32(c.out);
      const scaling = setting.activation.perTensor
        ? ({ kind: 'tensor', scale: c.scale! } as const)
        : ({ kind: 'token' } as const);
      const got = fakeQuantActivations(x, c.tokens, c.cols, setting.activation.format, scaling);
      const bad = mismatches(got, expected);
      expect(
        bad.length,
        `${c.setting}: first mismatch at ${bad[0]}: ts ${got[bad[0]]} vs torch ${expected[bad[0]]}`,
      ).toBe(0);
      expect(mismatches(x, expected).length, `${c.setting} output equals its input`).toBeGreaterThan(0);
    }
  });
});
