"""Small KL-regularised continuous VAE, 32x32x1 -> 8x8x4 latent, the latent space DiT is trained in.

Like Stable Diffusion's VAE, latents are multiplied by `scale_factor` (computed from the training data so
that scaled latents have about unit std) before diffusion, and divided by it before decoding.
"""
import torch
import torch.nn as nn

from .vqvae import Decoder, Encoder


class VAE(nn.Module):
    def __init__(self, latent_ch=4, ch=64):
        super().__init__()
        self.latent_ch = latent_ch
        self.encoder = Encoder(ch, 2 * latent_ch)  # mean and log-variance
        self.decoder = Decoder(ch, latent_ch)
        self.register_buffer('scale_factor', torch.tensor(1.0))

    def posterior(self, x):
        mean, logvar = self.encoder(x).chunk(2, dim=1)
        return mean, logvar.clamp(-30.0, 20.0)

    def forward(self, x):
        mean, logvar = self.posterior(x)
        z = mean + torch.randn_like(mean) * (0.5 * logvar).exp()
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=(1, 2, 3)).mean()
        return self.decoder(z), kl

    def decode_scaled(self, z_scaled):
        """Scaled latent [B,4,8,8] -> image [B,1,32,32] in [-1, 1]."""
        return self.decoder(z_scaled / self.scale_factor).clamp(-1, 1)


class ScaledLatentDecoder(nn.Module):
    """What ships as ONNX: takes the SCALED latent (what DiT samples) and returns the image."""

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, z_scaled):
        return self.vae.decode_scaled(z_scaled)
