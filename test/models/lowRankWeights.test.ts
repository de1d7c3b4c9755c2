/**
 * -lr<r> in prepareMethodWeights (src/models/runtime/methodWeights.ts) on a one-block VAR-shaped model on the CPU:
 * which Linears get a branch, where 1/s goes (folded into the adaLN for qkv and fc1, run time elsewhere), that each
 * prepared Linear computes x W^T up to its residual's quantisation error (Q_A off), that the branch beats plain RTN
 * on a weight with a strong low-rank part, the rank check's message, and the memory plan's branch buffers.
 */
import { describe, expect, it } from 'vitest';
import {
  lowRankBuffers,
  prepareMethodWeights,
  smoothFoldOf,
  requireLowRankFits,
  type PreparedLinear,
} from '../../src/models/runtime/methodWeights';
import type { LinearInputStats } from '../../src/models/runtime/linearInputs';
import type { LinearSpec } from '../../src/models/runtime/layers';
import { ModelError } from '../../src/models/runtime/errors';
import { parseSetting } from '../../src/quant/setting';
import { dequantizeWeight, quantizeWeight } from '../../src/quant';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

const C = 16;
const specs: LinearSpec[] = [
  { name: 'blocks.0.ada_lin.1', kind: 'adaLN', rows: 6 * C, cols: C, bias: 'tensor' },
  { name: 'blocks.0.attn.mat_qkv', kind: 'qkv', rows: 3 * C, cols: C, bias: 'none' },
  { name: 'blocks.0.attn.proj', kind: 'proj', rows: C, cols: C, bias: 'tensor' },
  { name: 'blocks.0.ffn.fc1', kind: 'fc1', rows: 4 * C, cols: C, bias: 'tensor' },
  { name: 'blocks.0.ffn.fc2', kind: 'fc2', rows: C, cols: 4 * C, bias: 'tensor' },
];
const r = rng(11);
const tensors = new Map<string, Float32Array>();
for (const s of specs) {
  // A strong rank-1 part (what the branch is for) plus noise.
  const a = Float32Array.from({ length: s.rows }, r);
  const b = Float32Array.from({ length: s.cols }, r);
  tensors.set(
    `${s.name}.weight`,
    Float32Array.from({ length: s.rows * s.cols }, (_, i) => 4 * a[Math.floor(i / s.cols)] * b[i % s.cols] + 0.1 * r()),
  );
  if (s.bias === 'tensor') tensors.set(`${s.name}.bias`, Float32Array.from({ length: s.rows }, r));
}
const stats = new Map<string, LinearInputStats>(
  specs.map((s) => [
    s.name,
    {
      cols: s.cols,
      tokens: 10,
      channelAbsMax: Float32Array.from({ length: s.cols }, (_, j) => 1 + (j % 5 === 0 ? 30 : 0)),
    },
  ]),
);
const hooks = { progress: () => undefined, checkpoint: async () => undefined };
const read = (n: string) => tensors.get(n)!;

/** The weight a prepared Linear applies to its raw input x (Q_A off): dequant(R) diag(c) + up down. */
function effectiveWeight(spec: LinearSpec, p: PreparedLinear): Float64Array {
  const residual = dequantizeWeight(p.packed!);
  const { rank, up, down } = p.lowRank!;
  const w = new Float64Array(spec.rows * spec.cols);
  for (let i = 0; i < spec.rows; i++)
    for (let j = 0; j < spec.cols; j++) {
      let v = residual[i * spec.cols + j] * (p.inputScale ? p.inputScale[j] : 1);
      for (let k = 0; k < rank; k++) v += up[i * rank + k] * down[k * spec.cols + j];
      w[i * spec.cols + j] = v;
    }
  return w;
}

const relErr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
};

describe('prepareMethodWeights with -lr', () => {
  it('W8c-A8-lr4: a branch on every quantised Linear; qkv/fc1 fold 1/s into the adaLN, the others keep it at run time', async () => {
    const prepared = await prepareMethodWeights(parseSetting('W8c-A8-lr4'), specs, read, stats, hooks);
    expect([...prepared.keys()].sort()).toEqual(specs.map((s) => s.name).sort());
    for (const spec of specs) {
      const p = prepared.get(spec.name)!;
      expect(p.lowRank?.rank).toBe(4);
      expect(p.lowRank!.up.length).toBe(spec.rows * 4);
      expect(p.lowRank!.down.length).toBe(4 * spec.cols);
      const folded = smoothFoldOf(spec.name) !== undefined;
      expect(p.inputScale === undefined, spec.name).toBe(folded);
    }
    expect(prepared.get('blocks.0.ada_lin.1')!.bias).toBeDefined();
    // proj and fc2 (1/s at run time, unchanged weight): the prepared Linear applies W to x, to W8 accuracy. (The
    // adaLN's target is its folded weight; qkv and fc1 are checked through the fold in the next test.)
    for (const spec of [specs[2], specs[4]])
      expect(
        relErr(effectiveWeight(spec, prepared.get(spec.name)!), read(`${spec.name}.weight`)),
        spec.name,
      ).toBeLessThan(2e-2);
  });

  it('folded qkv: adaLN fold + smoothed weight reproduce the float Linear on a modulated input', async () => {
    const setting = parseSetting('W8c-A8-lr4');
    const prepared = await prepareMethodWeights(setting, specs, read, stats, hooks);
    const qkv = specs[1];
    const p = prepared.get(qkv.name)!;
    // Recover 1/s from the folded shift chunk's bias: b'_r = b_r / s_j (VAR qkv: shift chunk 4).
    const fold = smoothFoldOf(qkv.name)!;
    const bias = read('blocks.0.ada_lin.1.bias');
    const ada = prepared.get('blocks.0.ada_lin.1')!;
    const inv = Float32Array.from(
      { length: C },
      (_, j) => ada.bias![fold.shiftChunk * C + j] / bias[fold.shiftChunk * C + j],
    );
    // x_s = x * inv feeds the Linear; effective weight on x = W_eff diag(inv) must be ~W.
    const eff = effectiveWeight(qkv, p);
    const onX = eff.map((v, i) => v * inv[i % C]);
    expect(relErr(onX, read(`${qkv.name}.weight`))).toBeLessThan(2e-2);
  });

  it('W3g32-lr4 (no activation quantisation): no smoothing, and the branch beats plain RTN by a wide margin', async () => {
    const prepared = await prepareMethodWeights(parseSetting('W3g32-lr4'), specs, read, new Map(), hooks);
    for (const spec of specs) {
      const p = prepared.get(spec.name)!;
      expect(p.inputScale).toBeUndefined();
      expect(p.bias).toBeUndefined();
      const w = read(`${spec.name}.weight`);
      const lr = relErr(effectiveWeight(spec, p), w);
      const rtn = relErr(
        dequantizeWeight(
          quantizeWeight(
            w,
            spec.rows,
            spec.cols,
            { kind: 'int', bits: 3, symmetric: true },
            { kind: 'group', size: 32 },
          ),
        ),
        w,
      );
      expect(lr, spec.name).toBeLessThan(0.5 * rtn);
    }
  });

  it('refuses a rank that does not fit, naming the Linear, its shape and the largest rank', () => {
    expect(() => requireLowRankFits(parseSetting('W4g32-lr15'), specs)).not.toThrow();
    try {
      requireLowRankFits(parseSetting('W4g32-A4-lr16'), specs);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ModelError);
      const error = e as ModelError;
      expect(error.code).toBe('setting-unsupported');
      expect(error.message).toMatch(/rank 16 does not fit blocks\.0\.ada_lin\.1 \(96 x 16/);
      expect(error.message).toMatch(/largest rank for this model's quantised Linears is 15/);
      expect(error.fix).toMatch(/-lr15 or lower/);
    }
  });

  it('memory plan buffers: f16 up and down per quantised Linear, f32 1/s where it is not folded', () => {
    const setting = parseSetting('W4g32-A4-lr8');
    const proj = lowRankBuffers(specs[2], setting);
    expect(proj.map((b) => [b.name, b.bytes])).toEqual([
      ['blocks.0.attn.proj.lowRank.up', C * 8 * 2],
      ['blocks.0.attn.proj.lowRank.down', 8 * C * 2],
      ['blocks.0.attn.proj.inputScale', C * 4],
    ]);
    expect(lowRankBuffers(specs[1], setting).map((b) => b.name)).toEqual([
      'blocks.0.attn.mat_qkv.lowRank.up',
      'blocks.0.attn.mat_qkv.lowRank.down',
    ]);
    expect(lowRankBuffers(specs[1], parseSetting('W4g32-A4'))).toEqual([]);
  });
});
