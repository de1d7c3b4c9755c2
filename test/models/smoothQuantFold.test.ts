/**
 * SmoothQuant's fold into the adaLN modulation (src/models/runtime/methodWeights.ts), on the CPU: for random
 * adaLN weights, conditions and LayerNorm outputs, LN (1 + scale') + shift' with the folded adaLN equals
 * (LN (1 + scale) + shift) / s per channel; only qkv and fc1 are smoothed, and only their adaLN chunks change.
 */
import { describe, expect, it } from 'vitest';
import { foldSmoothing, prepareMethodWeights, smoothFoldOf } from '../../src/models/runtime/methodWeights';
import type { LinearInputStats } from '../../src/models/runtime/linearInputs';
import type { LinearSpec } from '../../src/models/runtime/layers';
import { parseSetting } from '../../src/quant/setting';
import { ptqCalibrationBatches } from '../../src/engine/generation/calibration';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

describe('smoothFoldOf', () => {
  it('maps qkv and fc1 of both families to their adaLN scale/shift chunks, and nothing else', () => {
    expect(smoothFoldOf('blocks.2.attn.mat_qkv')).toEqual({
      adaLN: 'blocks.2.ada_lin.1',
      scaleChunk: 2,
      shiftChunk: 4,
    });
    expect(smoothFoldOf('blocks.0.ffn.fc1')).toEqual({ adaLN: 'blocks.0.ada_lin.1', scaleChunk: 3, shiftChunk: 5 });
    expect(smoothFoldOf('blocks.1.attn.qkv')).toEqual({
      adaLN: 'blocks.1.adaLN_modulation.1',
      scaleChunk: 1,
      shiftChunk: 0,
    });
    expect(smoothFoldOf('blocks.3.mlp.fc1')).toEqual({
      adaLN: 'blocks.3.adaLN_modulation.1',
      scaleChunk: 4,
      shiftChunk: 3,
    });
    for (const name of [
      'blocks.0.attn.proj',
      'blocks.0.ffn.fc2',
      'blocks.0.mlp.fc2',
      'blocks.0.ada_lin.1',
      'head',
      'word_embed',
      'final_layer.linear',
    ]) {
      expect(smoothFoldOf(name), name).toBeUndefined();
    }
  });
});

describe('foldSmoothing', () => {
  it("LN (1 + scale') + shift' = (LN (1 + scale) + shift) / s for random weights, conditions and LN outputs", () => {
    const r = rng(7);
    const C = 8;
    const K = 5;
    const W = Float32Array.from({ length: 6 * C * K }, r);
    const b = Float32Array.from({ length: 6 * C }, r);
    const inv = Float32Array.from({ length: C }, () => 1 / (0.1 + 4 * (r() + 0.5)));
    const fold = { adaLN: 'a', scaleChunk: 3, shiftChunk: 5 };
    const f = foldSmoothing(W, b, K, fold, inv);
    const ada = (w: Float32Array, bias: Float32Array, c: Float32Array) =>
      Array.from({ length: 6 * C }, (_, row) => bias[row] + c.reduce((acc, v, k) => acc + w[row * K + k] * v, 0));
    for (let trial = 0; trial < 20; trial++) {
      const c = Float32Array.from({ length: K }, r);
      const ln = Array.from({ length: C }, () => 3 * r());
      const a0 = ada(W, b, c);
      const a1 = ada(f.weight, f.bias, c);
      for (let j = 0; j < C; j++) {
        const ref = (ln[j] * (1 + a0[3 * C + j]) + a0[5 * C + j]) * inv[j];
        const folded = ln[j] * (1 + a1[3 * C + j]) + a1[5 * C + j];
        expect(folded).toBeCloseTo(ref, 5);
      }
    }
    // The other chunks (gates, the other LayerNorm's scale/shift) are untouched, and the inputs are not changed.
    for (const chunk of [0, 1, 2, 4]) {
      for (let j = 0; j < C; j++) {
        expect(f.bias[chunk * C + j]).toBe(b[chunk * C + j]);
        for (let k = 0; k < K; k++) expect(f.weight[(chunk * C + j) * K + k]).toBe(W[(chunk * C + j) * K + k]);
      }
    }
    expect(f.weight).not.toBe(W);
  });
});

describe('prepareMethodWeights with SmoothQuant', () => {
  const C = 4;
  const specs: LinearSpec[] = [
    { name: 'blocks.0.ada_lin.1', kind: 'adaLN', rows: 6 * C, cols: C, bias: 'tensor' },
    { name: 'blocks.0.attn.mat_qkv', kind: 'qkv', rows: 3 * C, cols: C, bias: 'none' },
    { name: 'blocks.0.attn.proj', kind: 'proj', rows: C, cols: C, bias: 'tensor' },
    { name: 'blocks.0.ffn.fc1', kind: 'fc1', rows: 4 * C, cols: C, bias: 'tensor' },
    { name: 'blocks.0.ffn.fc2', kind: 'fc2', rows: C, cols: 4 * C, bias: 'tensor' },
  ];
  const r = rng(3);
  const tensors = new Map<string, Float32Array>();
  for (const s of specs) {
    tensors.set(`${s.name}.weight`, Float32Array.from({ length: s.rows * s.cols }, r));
    if (s.bias === 'tensor') tensors.set(`${s.name}.bias`, Float32Array.from({ length: s.rows }, r));
  }
  const stats = new Map<string, LinearInputStats>(
    specs.map((s) => [
      s.name,
      { cols: s.cols, tokens: 10, channelAbsMax: Float32Array.from({ length: s.cols }, (_, j) => 1 + 10 * j) },
    ]),
  );
  const hooks = { progress: () => undefined, checkpoint: async () => undefined };

  it('smooths qkv and fc1 (no run-time 1/s), folds both into the one adaLN, leaves proj and fc2 plain', async () => {
    const prepared = await prepareMethodWeights(
      parseSetting('W8c-A8-sq0.5'),
      specs,
      (n) => tensors.get(n)!,
      stats,
      hooks,
    );
    expect([...prepared.keys()].sort()).toEqual(specs.map((s) => s.name).sort());
    for (const name of ['blocks.0.attn.mat_qkv', 'blocks.0.ffn.fc1']) {
      expect(prepared.get(name)!.packed).toBeDefined();
      expect(prepared.get(name)!.inputScale).toBeUndefined();
    }
    for (const name of ['blocks.0.attn.proj', 'blocks.0.ffn.fc2'])
      expect(prepared.get(name)).toEqual({ staticScale: undefined });
    const ada = prepared.get('blocks.0.ada_lin.1')!;
    const bias = tensors.get('blocks.0.ada_lin.1.bias')!;
    // gamma chunks (0, 1) unchanged; scale1 (2), scale2 (3), shift1 (4), shift2 (5) all folded.
    expect(Array.from(ada.bias!.subarray(0, 2 * C))).toEqual(Array.from(bias.subarray(0, 2 * C)));
    for (const chunk of [2, 3, 4, 5])
      expect(Array.from(ada.bias!.subarray(chunk * C, (chunk + 1) * C))).not.toEqual(
        Array.from(bias.subarray(chunk * C, (chunk + 1) * C)),
      );
    expect(ada.packed).toBeDefined();
  });

  it('fold: false applies 1/s at run time on qkv and fc1 only and leaves adaLN alone', async () => {
    const prepared = await prepareMethodWeights(
      parseSetting('W8c-A8-sq0.5'),
      specs,
      (n) => tensors.get(n)!,
      stats,
      hooks,
      { fold: false },
    );
    expect(prepared.get('blocks.0.attn.mat_qkv')!.inputScale).toBeDefined();
    expect(prepared.get('blocks.0.ffn.fc1')!.inputScale).toBeDefined();
    expect(prepared.get('blocks.0.ada_lin.1')!.bias).toBeUndefined();
    expect(prepared.get('blocks.0.ffn.fc2')!.inputScale).toBeUndefined();
  });

  it('per-tensor settings: plain Linears get the static scale of their unchanged input', async () => {
    const prepared = await prepareMethodWeights(
      parseSetting('W8c-A8t-sq0.5'),
      specs,
      (n) => tensors.get(n)!,
      stats,
      hooks,
    );
    expect(prepared.get('blocks.0.ffn.fc2')!.staticScale).toBeCloseTo((1 + 10 * 15) / 127, 6);
    expect(prepared.get('blocks.0.ada_lin.1')!.staticScale).toBeCloseTo((1 + 10 * 3) / 127, 6);
  });
});

describe('PTQ calibration batches', () => {
  it('128 images in batches of 16, image i of class i mod 10', () => {
    const batches = ptqCalibrationBatches(128, 16, 10);
    expect(batches).toHaveLength(8);
    const all = batches.flat();
    expect(all).toHaveLength(128);
    all.forEach((label, i) => expect(label).toBe(i % 10));
    expect(ptqCalibrationBatches(20, 16, 10).map((b) => b.length)).toEqual([16, 4]);
  });
});
