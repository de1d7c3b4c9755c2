/**
 * References of DiT's patchify / unpatchify reshapes (pure index permutations):
 *  - patchify: image [B, C, H, W] -> tokens [B, (H/p)(W/p), C*p*p]; token (gy, gx) row-major, feature
 *    (c*p + ky)*p + kx, the flattening of a Conv2d weight [D, C, p, p], so tokens @ W.reshape(D, -1)^T + b is
 *    the conv with kernel = stride = p.
 *  - unpatchify: tokens [B, (H/p)(W/p), p*p*C] -> image [B, C, H, W]; feature (ky*p + kx)*C + c (DiT's final
 *    linear lays out (p, p, C) per token: einsum 'nhwpqc->nchpwq').
 */

export function patchifyRef(
  image: ArrayLike<number>,
  batch: number,
  channels: number,
  height: number,
  width: number,
  patch: number,
): Float64Array {
  const gh = height / patch;
  const gw = width / patch;
  const features = channels * patch * patch;
  const out = new Float64Array(batch * gh * gw * features);
  for (let b = 0; b < batch; b++)
    for (let gy = 0; gy < gh; gy++)
      for (let gx = 0; gx < gw; gx++)
        for (let c = 0; c < channels; c++)
          for (let ky = 0; ky < patch; ky++)
            for (let kx = 0; kx < patch; kx++) {
              const token = (b * gh + gy) * gw + gx;
              out[token * features + (c * patch + ky) * patch + kx] =
                image[((b * channels + c) * height + gy * patch + ky) * width + gx * patch + kx];
            }
  return out;
}

export function unpatchifyRef(
  tokens: ArrayLike<number>,
  batch: number,
  channels: number,
  height: number,
  width: number,
  patch: number,
): Float64Array {
  const gh = height / patch;
  const gw = width / patch;
  const features = patch * patch * channels;
  const out = new Float64Array(batch * channels * height * width);
  for (let b = 0; b < batch; b++)
    for (let gy = 0; gy < gh; gy++)
      for (let gx = 0; gx < gw; gx++)
        for (let ky = 0; ky < patch; ky++)
          for (let kx = 0; kx < patch; kx++)
            for (let c = 0; c < channels; c++) {
              const token = (b * gh + gy) * gw + gx;
              out[((b * channels + c) * height + gy * patch + ky) * width + gx * patch + kx] =
                tokens[token * features + (ky * patch + kx) * channels + c];
            }
  return out;
}
