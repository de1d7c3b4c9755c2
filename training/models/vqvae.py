"""Conv VQ-VAE (32x32x1 -> 8x8xCvae) with VAR's multi-scale residual quantiser.

Key names follow FoundationVision/VAR (quantize.embedding, quantize.quant_resi.qresi_ls.i, quant_conv,
post_quant_conv); the encoder/decoder convs are ours. The quantiser semantics (area downsample of the
residual, bicubic upsample of each scale's codes to the full latent, Phi convs (1-r)h + r*conv(h) picked by
the nearest tick, straight-through estimator) match the official VectorQuantizer2.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class ResBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.norm1 = nn.GroupNorm(8, ch)
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.norm2 = nn.GroupNorm(8, ch)
        self.conv2 = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        return x + self.conv2(F.silu(self.norm2(h)))


class Encoder(nn.Module):
    """32x32x1 -> (32 / 2^num_down)^2 x out_ch: num_down stride-2 convs, each followed by a ResBlock."""

    def __init__(self, ch=64, out_ch=32, num_down=2):
        super().__init__()
        self.conv_in = nn.Conv2d(1, ch // 2, 3, padding=1)
        chans = [ch // 2] + [ch] * num_down
        self.down = nn.ModuleList([nn.Conv2d(chans[i], chans[i + 1], 4, stride=2, padding=1) for i in range(num_down)])
        self.res = nn.ModuleList([ResBlock(ch) for _ in range(num_down)])
        self.norm_out = nn.GroupNorm(8, ch)
        self.conv_out = nn.Conv2d(ch, out_ch, 3, padding=1)

    def forward(self, x):
        h = F.silu(self.conv_in(x))
        for down, res in zip(self.down, self.res):
            h = res(down(h))
        return self.conv_out(F.silu(self.norm_out(h)))


class Decoder(nn.Module):
    """latent x in_ch -> 32x32x1: a ResBlock then (nearest 2x upsample + conv [+ ResBlock]) num_up times."""

    def __init__(self, ch=64, in_ch=32, num_up=2):
        super().__init__()
        self.conv_in = nn.Conv2d(in_ch, ch, 3, padding=1)
        self.res = nn.ModuleList([ResBlock(ch) for _ in range(num_up)])
        self.up = nn.ModuleList([nn.Conv2d(ch, ch if i < num_up - 1 else ch // 2, 3, padding=1) for i in range(num_up)])
        self.norm_out = nn.GroupNorm(8, ch // 2)
        self.conv_out = nn.Conv2d(ch // 2, 1, 3, padding=1)

    def forward(self, z):
        h = self.conv_in(z)
        for res, up in zip(self.res, self.up):
            h = up(F.interpolate(res(h), scale_factor=2.0, mode='nearest'))
        return self.conv_out(F.silu(self.norm_out(h)))


class Phi(nn.Conv2d):
    """Residual 3x3 conv: (1 - r) * h + r * conv(h)."""

    def __init__(self, dim, resi_ratio=0.5):
        super().__init__(dim, dim, 3, padding=1)
        self.resi_ratio = abs(resi_ratio)

    def forward(self, h):
        return h * (1 - self.resi_ratio) + super().forward(h) * self.resi_ratio


def phi_ticks(n):
    # Official PhiPartiallyShared: ticks linspace(1/(3n), 1-1/(3n), n) when n == 4, else 1/(2n).
    return np.linspace(1 / 3 / n, 1 - 1 / 3 / n, n) if n == 4 else np.linspace(1 / 2 / n, 1 - 1 / 2 / n, n)


def phi_index(si, num_scales, n):
    """Which of the n shared Phi convs scale si of num_scales uses: the tick nearest si/(num_scales-1)."""
    at = si / (num_scales - 1)
    return int(np.argmin(np.abs(phi_ticks(n) - at)))


class PhiPartiallyShared(nn.Module):
    def __init__(self, dim, n, resi_ratio=0.5):
        super().__init__()
        self.qresi_ls = nn.ModuleList([Phi(dim, resi_ratio) for _ in range(n)])

    def for_scale(self, si, num_scales):
        return self.qresi_ls[phi_index(si, num_scales, len(self.qresi_ls))]


def area_down(x, pn):
    return F.interpolate(x, size=(pn, pn), mode='area')


def bicubic_up(x, size):
    return F.interpolate(x, size=(size, size), mode='bicubic', align_corners=False)


class MultiScaleQuantizer(nn.Module):
    def __init__(self, vocab_size, cvae, patch_nums, n_phi=4, beta=0.25):
        super().__init__()
        self.vocab_size, self.Cvae, self.patch_nums, self.beta = vocab_size, cvae, tuple(patch_nums), beta
        self.embedding = nn.Embedding(vocab_size, cvae)
        self.embedding.weight.data.uniform_(-1 / vocab_size, 1 / vocab_size)
        self.quant_resi = PhiPartiallyShared(cvae, n_phi)

    def nearest(self, z_NC):
        d = (z_NC.pow(2).sum(1, keepdim=True) + self.embedding.weight.pow(2).sum(1)[None]
             - 2 * z_NC @ self.embedding.weight.t())
        return d.argmin(1)

    def forward(self, f):
        """Returns (f_hat with straight-through gradient, vq loss, list of per-scale index tensors [B, pn*pn])."""
        B, C, H, W = f.shape
        SN = len(self.patch_nums)
        f_no_grad = f.detach()
        f_rest = f_no_grad.clone()
        f_hat = torch.zeros_like(f_rest)
        loss = 0.0
        idx_list = []
        for si, pn in enumerate(self.patch_nums):
            rest = area_down(f_rest, pn) if si != SN - 1 else f_rest
            idx = self.nearest(rest.permute(0, 2, 3, 1).reshape(-1, C)).view(B, pn * pn)
            idx_list.append(idx)
            h = self.embedding(idx).transpose(1, 2).reshape(B, C, pn, pn)
            if si != SN - 1:
                h = bicubic_up(h, H)
            h = self.quant_resi.for_scale(si, SN)(h)
            f_hat = f_hat + h
            f_rest = f_rest - h.detach()
            loss = loss + F.mse_loss(f_hat.detach(), f) * self.beta + F.mse_loss(f_hat, f_no_grad)
        f_hat_st = (f_hat.detach() - f_no_grad) + f
        return f_hat_st, loss / SN, idx_list

    @torch.no_grad()
    def idx_to_var_input(self, idx_list):
        """Teacher-forcing inputs for VAR: per scale si>=1, area_down(f_hat after scales < si) -> [B, L-first_l, C]."""
        B = idx_list[0].shape[0]
        C, H, SN = self.Cvae, self.patch_nums[-1], len(self.patch_nums)
        f_hat = torch.zeros(B, C, H, H)
        nxt = []
        for si in range(SN - 1):
            pn = self.patch_nums[si]
            h = self.embedding(idx_list[si]).transpose(1, 2).reshape(B, C, pn, pn)
            f_hat = f_hat + self.quant_resi.for_scale(si, SN)(bicubic_up(h, H))
            pn_next = self.patch_nums[si + 1]
            nxt.append(area_down(f_hat, pn_next).view(B, C, -1).transpose(1, 2))
        return torch.cat(nxt, dim=1)

    def next_autoregressive_input(self, si, f_hat, h):
        """One sampling step: add scale si's codes h [B,C,pn,pn] to f_hat; return (f_hat, next scale's input map)."""
        SN, H = len(self.patch_nums), self.patch_nums[-1]
        if si != SN - 1:
            f_hat = f_hat + self.quant_resi.for_scale(si, SN)(bicubic_up(h, H))
            return f_hat, area_down(f_hat, self.patch_nums[si + 1])
        f_hat = f_hat + self.quant_resi.for_scale(si, SN)(h)
        return f_hat, f_hat


class VQVAE(nn.Module):
    def __init__(self, vocab_size=512, cvae=32, ch=32, patch_nums=(1, 2, 3, 4), n_phi=4):
        super().__init__()
        self.Cvae = cvae
        # The latent side is the last patch_num: 32 / 4 = 8 -> three stride-2 stages.
        num_down = {8: 2, 4: 3}[patch_nums[-1]]
        self.encoder = Encoder(ch, cvae, num_down)
        self.quant_conv = nn.Conv2d(cvae, cvae, 3, padding=1)
        self.quantize = MultiScaleQuantizer(vocab_size, cvae, patch_nums, n_phi)
        self.post_quant_conv = nn.Conv2d(cvae, cvae, 3, padding=1)
        self.decoder = Decoder(ch, cvae, num_down)

    def encode(self, x):
        return self.quant_conv(self.encoder(x))

    def fhat_to_img(self, f_hat):
        return self.decoder(self.post_quant_conv(f_hat)).clamp(-1, 1)

    def forward(self, x):
        f_hat, vq_loss, idx = self.quantize(self.encode(x))
        return self.decoder(self.post_quant_conv(f_hat)), vq_loss, idx


class FhatDecoder(nn.Module):
    """What ships as ONNX: f_hat [B, Cvae, 8, 8] -> image [B, 1, 32, 32] in [-1, 1]."""

    def __init__(self, vqvae):
        super().__init__()
        self.vqvae = vqvae

    def forward(self, f_hat):
        return self.vqvae.fhat_to_img(f_hat)
