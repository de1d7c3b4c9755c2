"""Gaussian diffusion as DiT uses it, written from the DiT/IDDPM papers: linear betas (1e-4 .. 0.02 over 1000
steps), learned-range variance, loss = MSE(eps) + the variational bound term (gradient only to the variance),
timestep respacing, ancestral DDPM and DDIM sampling. All schedule math in float64."""
import math

import numpy as np
import torch


def linear_betas(num_steps=1000):
    scale = 1000 / num_steps
    return np.linspace(scale * 0.0001, scale * 0.02, num_steps, dtype=np.float64)


def space_timesteps(num_timesteps, count):
    """The official respacing for one section: a float cursor advanced by (T-1)/(count-1) and rounded (half to
    even) at each step. Accumulating the stride, not multiplying i * stride, is what the official code does;
    the two differ by one timestep for some counts (e.g. 21 steps), and src/ops/diffusionSchedule.ts matches
    this loop."""
    if count == 1:
        return [0]
    stride = (num_timesteps - 1) / (count - 1)
    taken, cursor = set(), 0.0
    for _ in range(count):
        taken.add(int(round(cursor)))
        cursor += stride
    return sorted(taken)


class Diffusion:
    def __init__(self, betas, timestep_map=None):
        self.betas = np.asarray(betas, dtype=np.float64)
        self.num_timesteps = len(self.betas)
        self.timestep_map = np.arange(self.num_timesteps) if timestep_map is None else np.asarray(timestep_map)
        alphas = 1.0 - self.betas
        self.alphas_cumprod = np.cumprod(alphas)
        self.alphas_cumprod_prev = np.append(1.0, self.alphas_cumprod[:-1])
        self.sqrt_recip_alphas_cumprod = np.sqrt(1.0 / self.alphas_cumprod)
        self.sqrt_recipm1_alphas_cumprod = np.sqrt(1.0 / self.alphas_cumprod - 1)
        self.posterior_variance = self.betas * (1.0 - self.alphas_cumprod_prev) / (1.0 - self.alphas_cumprod)
        # log of the posterior variance with its t=0 entry (which is 0) replaced by the t=1 entry
        self.posterior_log_variance_clipped = np.log(np.append(self.posterior_variance[1], self.posterior_variance[1:]))
        self.posterior_mean_coef1 = self.betas * np.sqrt(self.alphas_cumprod_prev) / (1.0 - self.alphas_cumprod)
        self.posterior_mean_coef2 = (1.0 - self.alphas_cumprod_prev) * np.sqrt(alphas) / (1.0 - self.alphas_cumprod)

    @classmethod
    def respaced(cls, base_steps, sample_steps):
        """The schedule restricted to space_timesteps: new betas 1 - acp[t_i]/acp[t_{i-1}] (official SpacedDiffusion)."""
        base = cls(linear_betas(base_steps))
        use = space_timesteps(base_steps, sample_steps)
        last, betas = 1.0, []
        for t in use:
            betas.append(1 - base.alphas_cumprod[t] / last)
            last = base.alphas_cumprod[t]
        return cls(np.array(betas), timestep_map=use)

    @staticmethod
    def _at(arr, t, x):
        return torch.from_numpy(arr).to(x.device)[t].float().view(-1, *([1] * (x.ndim - 1)))

    def q_sample(self, x0, t, noise):
        return (self._at(np.sqrt(self.alphas_cumprod), t, x0) * x0
                + self._at(np.sqrt(1.0 - self.alphas_cumprod), t, x0) * noise)

    def q_posterior(self, x0, xt, t):
        mean = self._at(self.posterior_mean_coef1, t, xt) * x0 + self._at(self.posterior_mean_coef2, t, xt) * xt
        return mean, self._at(self.posterior_log_variance_clipped, t, xt)

    def p_mean_variance(self, model_out, xt, t):
        """model_out [B, 2C, ...] (eps, v in [-1,1]) -> (mean, log_variance, pred_x0, eps)."""
        C = xt.shape[1]
        eps, v = model_out[:, :C], model_out[:, C:]
        min_log = self._at(self.posterior_log_variance_clipped, t, xt)
        max_log = self._at(np.log(self.betas), t, xt)
        frac = (v + 1) / 2
        log_var = frac * max_log + (1 - frac) * min_log
        x0 = self._at(self.sqrt_recip_alphas_cumprod, t, xt) * xt - self._at(self.sqrt_recipm1_alphas_cumprod, t, xt) * eps
        mean, _ = self.q_posterior(x0, xt, t)
        return mean, log_var, x0, eps

    def training_losses(self, model, x0, t, y, noise, min_snr_gamma=0.0):
        """Per-sample loss: mean squared eps error + VB term (KL to the true posterior in bits per dim; at t=0 the
        discretised Gaussian NLL). The VB term sees the eps prediction through a stop-gradient, as in IDDPM.
        min_snr_gamma > 0 weights the eps MSE by min(SNR(t), gamma) / SNR(t) (Min-SNR-gamma, Hang et al. 2023):
        the nearly clean timesteps, whose eps targets are hardest and matter least, stop dominating the gradient.
        The returned `mse` is the unweighted one, comparable across weightings."""
        xt = self.q_sample(x0, t, noise)
        out = model(xt, self.map_t(t), y)
        C = x0.shape[1]
        mse = ((noise - out[:, :C]) ** 2).mean(dim=(1, 2, 3))
        frozen = torch.cat([out[:, :C].detach(), out[:, C:]], dim=1)
        mean, log_var, _, _ = self.p_mean_variance(frozen, xt, t)
        true_mean, true_log_var = self.q_posterior(x0, xt, t)
        kl = normal_kl(true_mean, true_log_var, mean, log_var).mean(dim=(1, 2, 3)) / math.log(2.0)
        nll = -discretized_gaussian_log_likelihood(x0, mean, 0.5 * log_var).mean(dim=(1, 2, 3)) / math.log(2.0)
        vb = torch.where(t == 0, nll, kl)
        weighted = mse
        if min_snr_gamma > 0:
            snr = self._at(self.alphas_cumprod / (1.0 - self.alphas_cumprod), t, mse).view(-1)
            weighted = mse * torch.clamp(snr, max=min_snr_gamma) / snr
        return weighted + vb, mse, vb

    def map_t(self, t):
        return torch.from_numpy(self.timestep_map).to(t.device)[t]

    def ddpm_step(self, model_out, xt, i, noise):
        """One ancestral step at respaced index i (no noise when i == 0)."""
        t = torch.full((xt.shape[0],), i, dtype=torch.long)
        mean, log_var, _, _ = self.p_mean_variance(model_out, xt, t)
        return mean + (0.0 if i == 0 else 1.0) * torch.exp(0.5 * log_var) * noise

    def ddim_step(self, model_out, xt, i, eta=0.0, noise=None):
        t = torch.full((xt.shape[0],), i, dtype=torch.long)
        _, _, x0, _ = self.p_mean_variance(model_out, xt, t)
        eps = (self._at(self.sqrt_recip_alphas_cumprod, t, xt) * xt - x0) / self._at(self.sqrt_recipm1_alphas_cumprod, t, xt)
        a = self._at(self.alphas_cumprod, t, xt)
        a_prev = self._at(self.alphas_cumprod_prev, t, xt)
        sigma = eta * torch.sqrt((1 - a_prev) / (1 - a)) * torch.sqrt(1 - a / a_prev)
        out = x0 * torch.sqrt(a_prev) + torch.sqrt(1 - a_prev - sigma ** 2) * eps
        if eta > 0 and i > 0:
            out = out + sigma * noise
        return out


def normal_kl(mean1, logvar1, mean2, logvar2):
    return 0.5 * (-1.0 + logvar2 - logvar1 + torch.exp(logvar1 - logvar2) + (mean1 - mean2) ** 2 * torch.exp(-logvar2))


def approx_standard_normal_cdf(x):
    return 0.5 * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def discretized_gaussian_log_likelihood(x, means, log_scales):
    """Log-likelihood of x in [-1,1] discretised to 256 bins (IDDPM's decoder term at t=0)."""
    centered = x - means
    inv_stdv = torch.exp(-log_scales)
    cdf_plus = approx_standard_normal_cdf(inv_stdv * (centered + 1.0 / 255.0))
    cdf_min = approx_standard_normal_cdf(inv_stdv * (centered - 1.0 / 255.0))
    log_cdf_plus = torch.log(cdf_plus.clamp(min=1e-12))
    log_one_minus_cdf_min = torch.log((1.0 - cdf_min).clamp(min=1e-12))
    log_probs = torch.where(x < -0.999, log_cdf_plus,
                            torch.where(x > 0.999, log_one_minus_cdf_min, torch.log((cdf_plus - cdf_min).clamp(min=1e-12))))
    return log_probs


@torch.no_grad()
def sample(model, diffusion, labels, cfg=1.5, method='ddpm', noises=None, generator=None, record=None):
    """Samples scaled latents [B, C, H, W]. noises: optional list [x_T, noise_step_0, ...] (recorded in goldens).
    Steps go i = S-1 .. 0 over the respaced schedule; the model sees timestep_map[i]."""
    B, C, H = labels.shape[0], model.in_channels, model.input_size
    draw = (lambda k: noises[k]) if noises is not None else (lambda k: torch.randn(B, C, H, H, generator=generator))
    x = draw(0)
    S = diffusion.num_timesteps
    for n, i in enumerate(range(S - 1, -1, -1)):
        t_model = torch.full((B,), int(diffusion.timestep_map[i]), dtype=torch.long)
        out, cond, uncond = model.forward_with_cfg(x, t_model, labels, cfg)
        noise = draw(n + 1) if (method == 'ddpm' and i > 0) else torch.zeros_like(x)
        x_next = diffusion.ddpm_step(out, x, i, noise) if method == 'ddpm' else diffusion.ddim_step(out, x, i)
        if record is not None:
            for k, v in (('x_t', x), ('t', t_model), ('out_cond', cond), ('out_uncond', uncond), ('out_cfg', out),
                         ('noise', noise), ('x_next', x_next)):
                record.setdefault(k, []).append(v.clone())
        x = x_next
    return x
