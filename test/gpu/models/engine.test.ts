/**
 * Engine behaviour beyond single-image parity: batches (B = 2 rows must each reproduce the single-image golden
 * when fed the same uniforms / noise), seeded sampling (deterministic, valid tokens, finite latents), the PRNG,
 * and the typed errors (unsupported method, missing calibration, use after destroy; destroy is idempotent).
 */
import { describe, expect, it } from 'vitest';
import { testDevice } from '../device';
import { FULL_PRECISION, parseSetting } from '../../../src/quant/setting';
import { VarModel } from '../../../src/models/var/varModel';
import { VarTokenizer } from '../../../src/models/var/varTokenizer';
import { VarSampler } from '../../../src/models/var/varSampler';
import { varTeacherForcedLogits } from '../../../src/models/var/varTeacherForced';
import { DitModel } from '../../../src/models/dit/ditModel';
import { DitSampler } from '../../../src/models/dit/ditSampler';
import { ModelError } from '../../../src/models/runtime/errors';
import { Pcg32 } from '../../../src/models/runtime/prng';
import { readF32 } from '../../../src/gpu/buffers';
import { maxRelativeError } from '../../../tools/parity/src/compare';
import { ditGoldenSettings } from '../../../tools/parity/src/goldenSettings';
import { bundleIds, loadDitBundle, loadVarBundle } from './bundles';

const concat = (...parts: Float32Array[]) => {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
};

/** PCG32 (XSH RR) on BigInt, from the PCG paper: pcg32_srandom_r then pcg32_random_r. */
function pcg32Reference(seed: bigint, increment: bigint, count: number): number[] {
  const mask = (1n << 64n) - 1n;
  let state = 0n;
  const step = () => (state = (state * 6364136223846793005n + increment) & mask);
  step();
  state = (state + seed) & mask;
  step();
  return Array.from({ length: count }, () => {
    const old = state;
    step();
    const xorshifted = Number((((old >> 18n) ^ old) >> 27n) & 0xffffffffn);
    const rot = Number(old >> 59n);
    return ((xorshifted >>> rot) | (xorshifted << ((32 - rot) & 31))) >>> 0;
  });
}

describe('PCG32', () => {
  it('matches the PCG reference generator', () => {
    // The reference reproduces pcg32-demo's published stream (initstate 42, initseq 54 -> increment 109) ...
    expect(pcg32Reference(42n, 109n, 3)).toEqual([0xa15c02b7, 0x7b47f409, 0xba1d3330]);
    // ... and ours is the same generator on PCG's default increment, for small and large seeds.
    for (const seed of [0, 42, 2 ** 40 + 5]) {
      const ours = new Pcg32(seed);
      expect(Array.from({ length: 8 }, () => ours.nextU32())).toEqual(
        pcg32Reference(BigInt(seed), 1442695040888963407n, 8),
      );
    }
  });

  it('is deterministic, uniform in [0, 1) and gives standard normals', () => {
    const a = new Pcg32(42).uniforms(20000);
    expect(Array.from(new Pcg32(42).uniforms(5))).toEqual(Array.from(a.subarray(0, 5)));
    expect(Array.from(new Pcg32(43).uniforms(5))).not.toEqual(Array.from(a.subarray(0, 5)));
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThan(1);
    expect(a.reduce((s, v) => s + v, 0) / a.length).toBeCloseTo(0.5, 2);
    const n = new Pcg32(7).normals(20000);
    const mean = n.reduce((s, v) => s + v, 0) / n.length;
    const variance = n.reduce((s, v) => s + (v - mean) ** 2, 0) / n.length;
    expect(mean).toBeCloseTo(0, 1);
    expect(variance).toBeCloseTo(1, 1);
  });
});

describe('VAR engine', () => {
  const id = bundleIds('var')[0];
  it.runIf(id !== undefined)(
    `${id}: a batch of 2 reproduces the golden in both rows; seeded runs are deterministic`,
    async () => {
      const device = await testDevice();
      const { bundle, tokenizer: tokBundle, goldens: g } = await loadVarBundle(id);
      const model = VarModel.load(device, bundle, FULL_PRECISION);
      const tokenizer = VarTokenizer.load(device, tokBundle);
      const sampler = new VarSampler(model, tokenizer);
      try {
        const { patchNums, vocabSize } = model.config;
        const label = g.i32('tf.label')[0];
        const { cfg, topK, topP } = bundle.manifest.sampling;
        const uniforms = patchNums.map((_, k) => g.f32(`step${k}.uniforms`));
        const twice = await sampler.sample({
          labels: [label, label],
          cfg,
          topK,
          topP,
          uniforms: uniforms.map((u) => concat(u, u)),
          trace: { tokens: true },
        });
        twice.steps.forEach((s, k) => {
          const golden = Array.from(g.i32(`step${k}.tokens`));
          const T = golden.length;
          expect(Array.from(s.tokens!.subarray(0, T)), `row 0 step ${k}`).toEqual(golden);
          expect(Array.from(s.tokens!.subarray(T)), `row 1 step ${k}`).toEqual(golden);
        });
        const fHat = await readF32(device, twice.fHat, 0, tokenizer.fHatElements(2));
        const golden = g.f32(`step${patchNums.length - 1}.f_hat`);
        expect(maxRelativeError(fHat.subarray(0, golden.length), golden)).toBeLessThan(1e-3);
        expect(maxRelativeError(fHat.subarray(golden.length), golden)).toBeLessThan(1e-3);

        const tf = await varTeacherForcedLogits(model, [label, label], concat(g.f32('tf.input'), g.f32('tf.input')));
        const tfGolden = g.f32('tf.logits');
        expect(maxRelativeError(tf.subarray(0, tfGolden.length), tfGolden)).toBeLessThan(1e-3);
        expect(maxRelativeError(tf.subarray(tfGolden.length), tfGolden)).toBeLessThan(1e-3);

        const seeded = async () =>
          (
            await sampler.sample({
              labels: [1, 7],
              cfg: 1.5,
              topK: 50,
              topP: 0.9,
              seed: 5,
              trace: { tokens: true, features: true },
            })
          ).steps;
        const a = await seeded();
        const b = await seeded();
        a.forEach((s, k) => {
          expect(Array.from(s.tokens!)).toEqual(Array.from(b[k].tokens!));
          expect(s.tokens!.every((t) => t < vocabSize)).toBe(true);
          expect(s.features!.length).toBe(2 * patchNums[k] ** 2 * model.config.cvae);
          expect(s.features!.every(Number.isFinite)).toBe(true);
        });
      } finally {
        sampler.destroy();
        sampler.destroy();
        tokenizer.destroy();
        tokenizer.destroy();
        model.destroy();
        model.destroy();
      }
      await expect(varTeacherForcedLogits(model, [0], g.f32('tf.input'))).rejects.toThrow(ModelError);
    },
  );

  it.runIf(id !== undefined)(`${id}: typed errors for settings the engine cannot run`, async () => {
    const device = await testDevice();
    const { bundle } = await loadVarBundle(id);
    // GPTQ / SmoothQuant weights come from calibration (methodWeights.ts); loading without them says so.
    expect(() => VarModel.load(device, bundle, parseSetting('W4g32-gptq'))).toThrow(/prepared from calibration data/);
    expect(() => VarModel.load(device, bundle, parseSetting('W8c-A8t'))).toThrow(/calibrat/);
  });
});

describe('DiT engine', () => {
  const id = bundleIds('dit')[0];
  it.runIf(id !== undefined)(
    `${id}: a batch of 2 reproduces the golden DDPM latent in both rows; seeded runs are deterministic`,
    async () => {
      const device = await testDevice();
      const { bundle, goldens: g } = await loadDitBundle(id);
      const model = DitModel.load(device, bundle, FULL_PRECISION);
      const sampler = new DitSampler(model);
      try {
        // The goldens' own schedule and guidance (their metadata, not sampling: official DiT bundles sample 250
        // steps and record 4), both rows with the golden noise.
        const { steps, cfg, label } = ditGoldenSettings(bundle.manifest, bundle.goldens!);
        const stepNoise = Array.from({ length: steps }, (_, n) => {
          const z = g.f32(`step${n}.noise`);
          return concat(z, z);
        });
        const x0 = g.f32('step0.x_t');
        const result = await sampler.sample({
          labels: [label, label],
          cfg,
          method: 'ddpm',
          steps,
          noise: { initial: concat(x0, x0), stepNoise },
        });
        const latent = await readF32(device, result.latent, 0, 2 * model.latentElements);
        const golden = g.f32('latent');
        expect(maxRelativeError(latent.subarray(0, golden.length), golden)).toBeLessThan(1e-3);
        expect(maxRelativeError(latent.subarray(golden.length), golden)).toBeLessThan(1e-3);

        const seeded = async () =>
          readF32(
            device,
            (await sampler.sample({ labels: [2, 9], cfg: 2, method: 'ddim', steps: 8, seed: 3 })).latent,
            0,
            2 * model.latentElements,
          );
        const a = await seeded();
        const b = await seeded();
        expect(Array.from(a)).toEqual(Array.from(b));
        expect(a.every(Number.isFinite)).toBe(true);
        expect(maxRelativeError(a.subarray(0, model.latentElements), a.subarray(model.latentElements))).toBeGreaterThan(
          1e-2,
        );
      } finally {
        sampler.destroy();
        model.destroy();
        model.destroy();
      }
    },
  );
});
