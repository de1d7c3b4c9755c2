import { describe, expect, it } from 'vitest';
import {
  defaultMemoryBudget,
  lowerBitSettings,
  packedWeightBytes,
  planDitMemory,
  planVarMemory,
  requireMemoryFits,
} from '../../src/models/runtime/memoryPlan';
import { ModelError } from '../../src/models/runtime/errors';
import { FULL_PRECISION, parseSetting, settingToString } from '../../src/quant/setting';
import type { DitConfig, VarConfig } from '../../src/models/bundle/types';

// A VAR small enough to count by hand: depth 1, C 64, 1 head, MLP 4x, 16 codes, Cvae 4, scales [1, 2] (L = 5).
const tinyVar: VarConfig = {
  depth: 1,
  width: 64,
  heads: 1,
  headDim: 64,
  mlpRatio: 4,
  vocabSize: 16,
  cvae: 4,
  patchNums: [1, 2],
  numTokens: 5,
  firstL: 1,
  numClasses: 10,
  lnEps: 1e-6,
  attnL2Norm: true,
  maxScaleMulLog: Math.log(100),
};

/** The official-layout VAR d16: depth 16, width 1024, 16 heads, 4096 codes, Cvae 32, the 10 official scales. */
const varD16: VarConfig = {
  depth: 16,
  width: 1024,
  heads: 16,
  headDim: 64,
  mlpRatio: 4,
  vocabSize: 4096,
  cvae: 32,
  patchNums: [1, 2, 3, 4, 5, 6, 8, 10, 13, 16],
  numTokens: 680,
  firstL: 1,
  numClasses: 1000,
  lnEps: 1e-6,
  attnL2Norm: true,
  maxScaleMulLog: Math.log(100),
};

const limits = (maxBufferSize: number, maxStorageBufferBindingSize = maxBufferSize) => ({
  maxBufferSize,
  maxStorageBufferBindingSize,
});

describe('memory planner', () => {
  it('packs codes in whole words and f16 scales padded to an even count', () => {
    // 3 x 40 at INT3 per tensor: 120 bits per row -> 4 words; 1 scale -> padded to 2 -> 4 bytes.
    expect(packedWeightBytes(3, 40, { kind: 'int', bits: 3, symmetric: true }, { kind: 'tensor' })).toEqual({
      codes: 48,
      scales: 4,
      offsets: 0,
    });
    // 5 x 64 asymmetric INT4 g32: 8 words per row; 10 groups -> 20 bytes of scales and of offsets.
    expect(packedWeightBytes(5, 64, { kind: 'int', bits: 4, symmetric: false }, { kind: 'group', size: 32 })).toEqual({
      codes: 160,
      scales: 20,
      offsets: 20,
    });
    // 1 x 96 per channel, FP6: 576 bits = 18 words; 1 scale.
    expect(packedWeightBytes(1, 96, { kind: 'fp', name: 'e3m2' }, { kind: 'channel' })).toEqual({
      codes: 72,
      scales: 4,
      offsets: 0,
    });
  });

  it("counts the tiny VAR by hand at fp32 (the bundle's f16 weights kept as f16; an f32 bundle twice that)", () => {
    const plan = planVarMemory('tiny', tinyVar, FULL_PRECISION);
    // Linear weights f16: word_embed 64x4, qkv 192x64, proj 64x64, fc1 256x64, fc2 64x256, ada 384x64, head_nm 128x64, head 16x64.
    expect(plan.bytes.weights).toBe(2 * (256 + 12288 + 4096 + 16384 + 16384 + 24576 + 8192 + 1024));
    expect(planVarMemory('tiny', tinyVar, FULL_PRECISION, { unquantisedBytes: 4 }).bytes.weights).toBe(
      2 * plan.bytes.weights,
    );
    // Biases (all but qkv) 3904 B, q_bias 256, v_bias 256, scale_mul (1 value -> 16 B), levelPos 5x64 f32, levels 5 u32 (20 B).
    expect(plan.bytes.other).toBe(3904 + 256 + 256 + 16 + 1280 + 20);
    expect(plan.modelLoadBytes).toBe(166400 + 5732);
    // KV cache: k0 and v0 of 2 rows (cond + uncond) x 5 tokens x 64 f16 (VarModel's default kvFormat).
    expect(plan.bytes.kvCache).toBe(2 * 2 * 5 * 64 * 2);
    expect(plan.largest.name).toBe('blocks.0.ada_lin.1.weight');
  });

  it('counts the tiny VAR by hand at W4g32 (qkv, proj, fc1, fc2, adaLN packed; embed and head f16)', () => {
    const plan = planVarMemory('tiny', tinyVar, parseSetting('W4g32'));
    const packed = (rows: number, cols: number) => rows * (cols / 8) * 4 + rows * (cols / 32) * 2;
    expect(packed(192, 64)).toBe(6912);
    expect(plan.bytes.weights).toBe(
      packed(192, 64) + packed(64, 64) + packed(256, 64) + packed(64, 256) + packed(384, 64) + 2 * (256 + 8192 + 1024),
    );
    expect(plan.bytes.weights).toBe(60416);
    expect(plan.bytes.other).toBe(5732);
  });

  it('counts the DiT weights and SmoothQuant’s folded weights', () => {
    const dit: DitConfig = {
      depth: 1,
      width: 64,
      heads: 2,
      headDim: 32,
      mlpRatio: 4,
      patch: 2,
      inputSize: 4,
      inChannels: 4,
      outChannels: 8,
      learnSigma: true,
      numClasses: 10,
      freqDim: 256,
      lnEps: 1e-6,
      diffusion: { betaSchedule: 'linear', betaStart: 0.0001, betaEnd: 0.02, trainSteps: 1000 },
    };
    const fp = planDitMemory('tiny-dit', dit, FULL_PRECISION);
    // x_embedder 64x16, t mlp.0 64x256, mlp.2 64x64, qkv 192x64, proj 64x64, fc1 256x64, fc2 64x256, ada 384x64, final ada 128x64, final 32x64.
    expect(fp.bytes.weights).toBe(2 * (1024 + 16384 + 4096 + 12288 + 4096 + 16384 + 16384 + 24576 + 8192 + 2048));
    // biases: 64+64+64+192+64+256+64+384+128+32 = 1312 values; pos_embed 4 tokens x 64.
    expect(fp.bytes.other).toBe(4 * 1312 + 4 * 4 * 64);
    expect(fp.bytes.kvCache).toBe(0);
    // SmoothQuant folds 1/s into the adaLN modulation: no input scales on the GPU, the same bytes as plain W8c-A8.
    const sq = planDitMemory('tiny-dit', dit, parseSetting('W8c-A8-sq0.5'));
    expect(sq.bytes.total).toBe(planDitMemory('tiny-dit', dit, parseSetting('W8c-A8')).bytes.total);
    // Quantising only qkv and fc1: the adaLN their 1/s folds into stays unquantised and is f32 (SmoothQuant computes
    // it in f32); the other unquantised Linears stay f16.
    const sqFolded = planDitMemory('tiny-dit', dit, parseSetting('W8c-A8-Lq1-sq0.5'));
    const w8q1 = planDitMemory('tiny-dit', dit, parseSetting('W8c-A8-Lq1'));
    expect(sqFolded.bytes.weights - w8q1.bytes.weights).toBe(2 * 24576);
  });

  it('estimates the official VAR d16 from its config alone', () => {
    const fp = planVarMemory('var-d16', varD16, FULL_PRECISION);
    const w4 = planVarMemory('var-d16', varD16, parseSetting('W4g128'));
    // 310.3M transformer parameters minus the tables the engine keeps on the CPU (class_emb 1001x1024) and pos_start.
    // The fp32 reference keeps the f16 weights: 2 bytes per parameter.
    const linearParams = fp.bytes.weights / 2;
    expect(linearParams).toBe(32 * 1024 + 16 * 18 * 1024 * 1024 + 2 * 1024 * 1024 + 4096 * 1024);
    // KV cache: 16 blocks x (k, v) x 2 rows x 680 tokens x 1024 f16 (89.1 MB; f32 would be 178.3 MB).
    expect(fp.bytes.kvCache).toBe(16 * 2 * 2 * 680 * 1024 * 2);
    expect(w4.bytes.total).toBeLessThan(fp.bytes.total / 2);
    // Activations (2 rows x 256 tokens of the largest scale): x, h (also q), out [512, 1024]; mlp (qkv, attention
    // output, MLP hidden) [512, 4096]; logits (also the Linears' scratch) [512, 4096]; 16 ada [2, 6144]; one
    // scale's uniforms [256, 4096]; small ones (cond, tokens, next map).
    const big = 4 * 512 * 1024;
    expect(w4.bytes.activations).toBeGreaterThan(3 * big + 2 * 4 * big + 16 * 4 * 2 * 6144 + 4 * 256 * 4096);
    expect(w4.bytes.activations).toBeLessThan(3 * big + 2 * 4 * big + 16 * 4 * 2 * 6144 + 4 * 256 * 4096 + 200_000);
    // q8 KV cache: a byte per value plus an f32 scale per (token, head) row of 64: 16 x 2 x 2 x 680 x (1024 + 16 x 4).
    const w4q8 = planVarMemory('var-d16', varD16, parseSetting('W4g128'), { kvFormat: 'q8' });
    expect(w4q8.bytes.kvCache).toBe(16 * 2 * 2 * 680 * (1024 + 16 * 4));
    // Issue 13's goal: d16 at W4g128 under 250 MB (with the 0.7 MB tokenizer, docs/official-models.md).
    expect(w4q8.bytes.total).toBeLessThan(250e6 - 1e6);
    console.log(
      `VAR d16 fp32: ${JSON.stringify(fp.bytes)}\nVAR d16 W4g128: ${JSON.stringify(w4.bytes)}\nVAR d16 W4g128 q8 KV: ${JSON.stringify(w4q8.bytes)}`,
    );
  });

  it('suggests lower bit settings in order of decreasing bits', () => {
    expect(lowerBitSettings(parseSetting('W6g32-A8')).map(settingToString)).toEqual([
      'W5g32-A8',
      'W4g32-A8',
      'W3g32-A8',
      'W2g32-A8',
    ]);
    expect(lowerBitSettings(parseSetting('Wfp8e4m3g64')).map(settingToString)).toEqual(['Wfp6e3m2g64', 'Wfp4g64']);
    expect(lowerBitSettings(FULL_PRECISION).map(settingToString)).toEqual([
      'W8g128',
      'W6g128',
      'W5g128',
      'W4g128',
      'W3g128',
      'W2g128',
    ]);
  });

  it('default budget: 4 x maxBufferSize clamped to 1..4 GiB', () => {
    expect(defaultMemoryBudget(limits(256 * 2 ** 20))).toBe(2 ** 30);
    expect(defaultMemoryBudget(limits(512 * 2 ** 20))).toBe(2 * 2 ** 30);
    expect(defaultMemoryBudget(limits(2 ** 32))).toBe(4 * 2 ** 30);
  });

  it('refuses a model over the budget with the estimate, the limit and a fitting lower setting', () => {
    const replan = (s: Parameters<typeof planVarMemory>[2]) =>
      planVarMemory('var-d16', varD16, s, { decoderBytes: 259e6 });
    const fp = replan(FULL_PRECISION);
    const budget = 650e6;
    let error: unknown;
    try {
      requireMemoryFits(fp, FULL_PRECISION, replan, limits(2 ** 30), budget);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelError);
    const e = error as ModelError;
    expect(e.code).toBe('memory-over-budget');
    expect(e.message).toContain('var-d16 at fp32');
    expect(e.message).toContain(`${(fp.bytes.total / 1e6).toFixed(1)} MB`);
    expect(e.message).toContain('650.0 MB');
    // The highest-bit setting under 650 MB, checked against the estimator itself.
    const fits = lowerBitSettings(FULL_PRECISION).find((s) => replan(s).bytes.total <= budget)!;
    expect(e.fix).toContain(`Pick ${settingToString(fits)}`);
    expect(replan(parseSetting('W8g128')).bytes.total).toBeGreaterThan(budget);
    expect(() => requireMemoryFits(replan(fits), fits, replan, limits(2 ** 30), budget)).not.toThrow();
  });

  it('names the tensor that exceeds maxStorageBufferBindingSize', () => {
    const replan = (s: Parameters<typeof planVarMemory>[2]) => planVarMemory('var-d16', varD16, s);
    // adaLN of d16 is 6144 x 1024 f16 = 12.6 MB (the largest), fc1 and head 8.4 MB; packed at 8 bits adaLN takes 6.3 MB.
    expect(() => requireMemoryFits(replan(FULL_PRECISION), FULL_PRECISION, replan, limits(2 ** 30, 12e6))).toThrow(
      expect.objectContaining({
        code: 'tensor-too-large',
        message: expect.stringContaining('blocks.0.ada_lin.1.weight needs 12.6 MB'),
        fix: expect.stringContaining('Pick W8g128'),
      }),
    );
  });
});
