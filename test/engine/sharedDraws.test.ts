import { describe, expect, it } from 'vitest';
import { ditNoise, varUniforms } from '../../src/engine/generation/sharedDraws';
import { Pcg32 } from '../../src/models/runtime/prng';

describe('shared draws', () => {
  it('VAR: one PCG32 stream from the seed, scale by scale, a uniform per token and code (as VarSampler draws it itself)', () => {
    const u = varUniforms(5, [1, 2, 3], 7);
    expect(u.map((a) => a.length)).toEqual([7, 28, 63]);
    const stream = new Pcg32(5).uniforms(98);
    expect(Array.from(u[0]).concat(Array.from(u[1]), Array.from(u[2]))).toEqual(Array.from(stream));
    expect(Array.from(varUniforms(5, [1, 2, 3], 7)[2])).toEqual(Array.from(u[2]));
    expect(Array.from(varUniforms(6, [1], 7)[0])).not.toEqual(Array.from(u[0]));
  });

  it('DiT: x_T then one draw per DDPM step but the last (as DitSampler draws it); DDIM draws only x_T', () => {
    const d = ditNoise(3, 8, 4, 'ddpm');
    expect(d.stepNoise).toHaveLength(3);
    const stream = new Pcg32(3).normals(32);
    expect(Array.from(d.initial)).toEqual(Array.from(stream.subarray(0, 8)));
    expect(Array.from(d.stepNoise[2])).toEqual(Array.from(stream.subarray(24, 32)));
    const ddim = ditNoise(3, 8, 4, 'ddim');
    expect(ddim.stepNoise).toEqual([]);
    expect(Array.from(ddim.initial)).toEqual(Array.from(d.initial));
  });

  it('rejects a seed that is not a non-negative integer', () => {
    expect(() => varUniforms(-1, [1], 4)).toThrow(expect.objectContaining({ code: 'argument-invalid' }));
    expect(() => ditNoise(1.5, 4, 2, 'ddpm')).toThrow(/seed 1.5/);
  });
});
