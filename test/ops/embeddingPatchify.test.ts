import { describe, expect, it } from 'vitest';
import { timestepEmbeddingRef } from '../../src/ops/embedding';
import { patchifyRef, unpatchifyRef } from '../../src/ops/patchify';
import { Rng } from '../../src/util/random';
import { expectClose, freshSeed, uniformArray } from './closeness';
import { torchReference } from './fixtures/torchReference';

describe('embedding and patch references against PyTorch (fixtures)', () => {
  it('timestep embedding equals DiT timestep_embedding (f32) for t up to 999', () => {
    const ref = torchReference().timestep;
    // PyTorch's vectorised f32 exp is not correctly rounded: 15 of its 128 frequencies are 1 ulp off the
    // correctly rounded value this reference uses, so t * f can differ by 1-2 ulp of a ~1000 rad argument
    // (ulp 6.1e-5): cos/sin then differ by up to ~1.2e-4. Everything else agrees to f32 rounding.
    expectClose(timestepEmbeddingRef(ref.t, ref.dim), ref.emb, { atol: 1.3e-4, rtol: 0 }, 'timestep embedding');
    // Small t keep the arguments small, where the frequency ulp no longer matters.
    expectClose(
      timestepEmbeddingRef(ref.t.slice(0, 3), ref.dim),
      ref.emb.slice(0, 3 * ref.dim),
      { atol: 2e-6, rtol: 0 },
      'timestep embedding, t <= 17',
    );
  });

  it('patchify tokens times the flattened conv weight equal Conv2d(kernel = stride = p)', () => {
    const f = torchReference().patchify;
    const [B, C, H, W] = f.shape;
    const tokens = patchifyRef(f.x, B, C, H, W, f.patch);
    const K = C * f.patch * f.patch;
    const rows = tokens.length / K;
    const out = new Float64Array(rows * f.hidden);
    for (let r = 0; r < rows; r++) {
      for (let d = 0; d < f.hidden; d++) {
        let s = f.bias[d];
        for (let k = 0; k < K; k++) s += tokens[r * K + k] * f.weight[d * K + k];
        out[r * f.hidden + d] = s;
      }
    }
    expectClose(out, f.tokens, { atol: 2e-6, rtol: 2e-6 }, 'patch embedding');
  });

  it("unpatchify follows DiT's (p, p, C) token layout", () => {
    const f = torchReference().unpatchify;
    const side = f.grid * f.patch;
    expect(Array.from(unpatchifyRef(f.tokens, f.batch, f.channels, side, side, f.patch))).toEqual(f.image);
  });

  it('unpatchify inverts patchify when the token layouts agree (C = 1)', () => {
    const seed = freshSeed();
    const rng = new Rng(seed);
    const x = uniformArray(() => rng.next(), 2 * 1 * 6 * 9);
    expect(Array.from(unpatchifyRef(patchifyRef(x, 2, 1, 6, 9, 3), 2, 1, 6, 9, 3)), `seed ${seed}`).toEqual(
      Array.from(x),
    );
  });
});
