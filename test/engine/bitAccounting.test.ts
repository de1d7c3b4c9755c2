/**
 * Bit accounting of a quality point (src/engine/quality/bitAccounting.ts) and the chart's axes for old points
 * (src/features/scaling-law/bitsAxis.ts), with hand-computed numbers for var-d1 (C = 64, one block: block
 * Linears 18 x 64^2 = 73,728 weights; all Linears 116,736; all parameters 121,281).
 */
import { describe, expect, it } from 'vitest';
import { bitAccounting } from '../../src/engine/quality/bitAccounting';
import type { LinearReport, WeightReport } from '../../src/models/runtime/modelWeights';
import { FULL_PRECISION, parseSetting, type QuantSetting } from '../../src/quant/setting';
import { blockLinearParams, decoderBits, decoderBitsNote, pointBits } from '../../src/features/scaling-law/bitsAxis';

const C = 64;
/** var-d1's Linears: the block's five, and outside it word_embed, head_nm.ada_lin.1 and head. */
const LAYERS: Array<Pick<LinearReport, 'name' | 'kind' | 'rows' | 'cols'>> = [
  { name: 'blocks.0.attn.mat_qkv', kind: 'qkv', rows: 3 * C, cols: C },
  { name: 'blocks.0.attn.proj', kind: 'proj', rows: C, cols: C },
  { name: 'blocks.0.ffn.fc1', kind: 'fc1', rows: 4 * C, cols: C },
  { name: 'blocks.0.ffn.fc2', kind: 'fc2', rows: C, cols: 4 * C },
  { name: 'blocks.0.ada_lin.1', kind: 'adaLN', rows: 6 * C, cols: C },
  { name: 'word_embed', kind: 'embed', rows: C, cols: 32 },
  { name: 'head_nm.ada_lin.1', kind: 'head', rows: 2 * C, cols: C },
  { name: 'head', kind: 'head', rows: 512, cols: C },
];
const TOTAL_PARAMS = 121_281;

/** The weight report GpuModelWeights would give: quantised layers at codes + one f16 scale per 32 weights. */
function report(setting: QuantSetting): WeightReport {
  const layers: LinearReport[] = LAYERS.map((l) => {
    const params = l.rows * l.cols;
    const q = setting.weight !== null && setting.layers.includes(l.kind);
    const bits = q ? (setting.weight!.format.kind === 'int' ? setting.weight!.format.bits : 4) : 32;
    return {
      ...l,
      params,
      codeBits: bits,
      storedBits: bits,
      weightBytes: q ? (params * (bits + 16 / 32)) / 8 : params * 4,
      activationsQuantized: false,
    };
  });
  return {
    setting: FULL_PRECISION,
    linearParams: layers.reduce((a, l) => a + l.params, 0),
    weightBytes: layers.reduce((a, l) => a + l.weightBytes, 0),
    idealWeightBytes: 0,
    otherBytes: 0,
    layers,
  };
}

describe('bitAccounting', () => {
  it('var-d1 layout: 73,728 block Linear weights of 116,736', () => {
    expect(report(FULL_PRECISION).linearParams).toBe(116_736);
    expect(blockLinearParams('var', 1)).toBe(73_728);
    expect(blockLinearParams('dit', 4)).toBe(18 * 128 * 128 * 4);
  });

  it('fp32: every parameter at its stored 16 bits (was 32)', () => {
    const b = bitAccounting(report(FULL_PRECISION), FULL_PRECISION, TOTAL_PARAMS);
    expect(b.linearBits).toBe(73_728 * 16); // 1,179,648
    expect(b.transformerBits).toBe(121_281 * 16); // 1,940,496 (the old total: 3,880,992)
    expect(b.totalWeightBits).toBe(b.transformerBits);
    expect(b.bitsPerWeight).toBe(32);
  });

  it('W4g32: block Linears at 4.5 bits, everything else at 16', () => {
    const s = parseSetting('W4g32');
    const b = bitAccounting(report(s), s, TOTAL_PARAMS);
    expect(b.linearBits).toBe(73_728 * 4.5); // 331,776
    // 331,776 + (121,281 - 73,728) x 16 = 331,776 + 760,848
    expect(b.transformerBits).toBe(1_092_624);
    // The old rule (unquantised at 32): 331,776 + 43,008 x 32 + 4,545 x 32 = 1,853,472, what the shipped sweep holds.
    expect(331_776 + (116_736 - 73_728) * 32 + (TOTAL_PARAMS - 116_736) * 32).toBe(1_853_472);
  });

  it('W2g32: the unquantised parameters are 80% of all transformer bits', () => {
    const s = parseSetting('W2g32');
    const b = bitAccounting(report(s), s, TOTAL_PARAMS);
    expect(b.linearBits).toBe(73_728 * 2.5); // 184,320
    expect(b.transformerBits).toBe(184_320 + 760_848); // 945,168
    expect(760_848 / b.transformerBits).toBeCloseTo(0.805, 3);
  });

  it('per-Linear widths (-mp): weightBits is the parameter-weighted mean of the quantised Linears as loaded', () => {
    const s = parseSetting('W4g32-mp3');
    const w4 = report(parseSetting('W4g32'));
    // fc1 and fc2 at 2 bits, qkv/proj/adaLN at 4: (2 x 16,384 x 2 + (12,288 + 4,096 + 24,576) x 4) / 73,728.
    const mixed: WeightReport = {
      ...w4,
      layers: w4.layers.map((l) =>
        l.kind === 'fc1' || l.kind === 'fc2'
          ? { ...l, codeBits: 2, storedBits: 2, weightBytes: (l.params * 2.5) / 8 }
          : l,
      ),
    };
    const b = bitAccounting(mixed, s, TOTAL_PARAMS);
    expect(b.weightBits).toBeCloseTo((2 * 16_384 * 2 + (12_288 + 4_096 + 24_576) * 4) / 73_728, 12);
    expect(b.linearBits).toBe(2 * 16_384 * 2.5 + (12_288 + 4_096 + 24_576) * 4.5);
    // Uniform settings keep their width.
    expect(bitAccounting(w4, parseSetting('W4g32'), TOTAL_PARAMS).weightBits).toBe(4);
    expect(bitAccounting(report(FULL_PRECISION), FULL_PRECISION, TOTAL_PARAMS).weightBits).toBe(32);
  });

  it('a setting that also quantises the head counts it in the quantised Linear bits', () => {
    const s = parseSetting('W4g32-Lqp12ah');
    const b = bitAccounting(report(s), s, TOTAL_PARAMS);
    const head = (2 * C * C + 512 * C) * 4.5;
    expect(b.linearBits).toBe(73_728 * 4.5 + head);
    expect(b.transformerBits).toBe(73_728 * 4.5 + head + 64 * 32 * 16 + (TOTAL_PARAMS - 116_736) * 16);
  });
});

describe('pointBits re-derives old (formatVersion 1) points', () => {
  it('var-d1 W4g32 and fp32 from the shipped sweep give the new engine numbers', () => {
    const base = { family: 'var' as const, depth: 1, linearParams: 116_736, totalParams: 121_281, computeBits: 0 };
    const w4 = pointBits({ ...base, weightBits: 4, bitsPerWeight: 14.631578947368421, totalWeightBits: 1_853_472 });
    expect(w4.derived).toBe(true);
    expect(w4.linearBits).toBeCloseTo(331_776, 3);
    expect(w4.transformerBits).toBeCloseTo(1_092_624, 3);
    const fp = pointBits({ ...base, weightBits: 32, bitsPerWeight: 32, totalWeightBits: 3_880_992 });
    expect(fp).toEqual({ linearBits: 1_179_648, transformerBits: 1_940_496, derived: true });
  });

  it('dit-d4 W4g32 from the shipped sweep: block Linears 1,179,648 x 4.5 bits', () => {
    const p = pointBits({
      family: 'dit',
      depth: 4,
      linearParams: 1_267_712,
      totalParams: 1_277_472,
      weightBits: 4,
      bitsPerWeight: 6.410339256865913,
      totalWeightBits: 8_438_784,
      computeBits: 0,
    });
    expect(p.linearBits).toBeCloseTo(5_308_416, 2);
    expect(p.transformerBits).toBeCloseTo(5_308_416 + (1_277_472 - 1_179_648) * 16, 2);
  });

  it('new points keep their own numbers', () => {
    expect(
      pointBits({
        family: 'var',
        depth: 1,
        linearParams: 1,
        totalParams: 1,
        weightBits: 4,
        bitsPerWeight: 4,
        totalWeightBits: 1,
        computeBits: 1,
        linearBits: 7,
        transformerBits: 9,
      }),
    ).toEqual({ linearBits: 7, transformerBits: 9, derived: false });
  });
});

describe('decoder bits, reported apart', () => {
  it('VQ-VAE and VAE at 16 bits per parameter (what ships: the quantiser and decoders, no encoders)', () => {
    const d = decoderBits([
      { id: 'mnist-vqvae', family: 'vqvae', params: { total: 151_041 } },
      { id: 'mnist-vae', family: 'vae', params: { total: 52_481 } },
      { id: 'mnist-var-d1', family: 'var', params: { total: 121_281 } },
    ]);
    expect(d.map((x) => [x.id, x.bits])).toEqual([
      ['mnist-vqvae', 2_416_656],
      ['mnist-vae', 839_696],
    ]);
    expect(decoderBitsNote(d)).toContain('VAR tokenizer (VQ-VAE) mnist-vqvae: 151,041 params, 2.42 Mbit');
  });
});
