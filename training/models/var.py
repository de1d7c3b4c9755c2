"""VAR (next-scale prediction) transformer with FoundationVision/VAR's key names and forward semantics.

Width C = 64*depth, heads = depth (head dim 64). Each block: ada_lin = SiLU + Linear(C -> 6C) whose chunks are
gamma1, gamma2, scale1, scale2, shift1, shift2; attention with mat_qkv (no bias) + q_bias/v_bias (k bias 0),
q and k L2-normalised per head, q multiplied by exp(min(scale_mul_1H11, ln 100)), softmax scale 1; FFN fc1 ->
GELU(tanh) -> fc2. LayerNorms have no affine weights (eps 1e-6). Training uses the block-causal mask over
scales; sampling runs one scale per step with a KV cache and classifier-free guidance ramped with the scale.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

LN_EPS = 1e-6


def layer_norm(x):
    return F.layer_norm(x, (x.shape[-1],), eps=LN_EPS)


class SelfAttention(nn.Module):
    def __init__(self, C, heads):
        super().__init__()
        self.C, self.H, self.hd = C, heads, C // heads
        self.mat_qkv = nn.Linear(C, 3 * C, bias=False)
        self.q_bias = nn.Parameter(torch.zeros(C))
        self.v_bias = nn.Parameter(torch.zeros(C))
        self.register_buffer('zero_k_bias', torch.zeros(C))
        self.scale_mul_1H11 = nn.Parameter(torch.full((1, heads, 1, 1), 4.0).log())
        self.max_scale_mul = math.log(100)
        self.proj = nn.Linear(C, C)
        self.cache_k = self.cache_v = None
        self.caching = False

    def kv_caching(self, enable):
        self.caching, self.cache_k, self.cache_v = enable, None, None

    def forward(self, x, attn_bias):
        B, L, C = x.shape
        bias = torch.cat((self.q_bias, self.zero_k_bias, self.v_bias))
        qkv = F.linear(x, self.mat_qkv.weight, bias).view(B, L, 3, self.H, self.hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)  # each [B, H, L, hd]
        scale_mul = self.scale_mul_1H11.clamp(max=self.max_scale_mul).exp()
        q = F.normalize(q, dim=-1) * scale_mul
        k = F.normalize(k, dim=-1)
        if self.caching:
            if self.cache_k is not None:
                k = torch.cat((self.cache_k, k), dim=2)
                v = torch.cat((self.cache_v, v), dim=2)
            self.cache_k, self.cache_v = k, v
        att = q @ k.transpose(-2, -1)  # softmax scale 1 (q already carries the learned scale)
        if attn_bias is not None:
            att = att + attn_bias
        out = att.softmax(-1) @ v
        return self.proj(out.transpose(1, 2).reshape(B, L, C))


class FFN(nn.Module):
    def __init__(self, C, ratio=4):
        super().__init__()
        self.fc1 = nn.Linear(C, ratio * C)
        self.fc2 = nn.Linear(ratio * C, C)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x), approximate='tanh'))


class AdaLNSelfAttn(nn.Module):
    def __init__(self, C, D, heads):
        super().__init__()
        self.C = C
        self.attn = SelfAttention(C, heads)
        self.ffn = FFN(C)
        self.ada_lin = nn.Sequential(nn.SiLU(), nn.Linear(D, 6 * C))

    def forward(self, x, cond_BD, attn_bias):
        gamma1, gamma2, scale1, scale2, shift1, shift2 = self.ada_lin(cond_BD).view(-1, 1, 6, self.C).unbind(2)
        x = x + self.attn(layer_norm(x) * (scale1 + 1) + shift1, attn_bias) * gamma1
        x = x + self.ffn(layer_norm(x) * (scale2 + 1) + shift2) * gamma2
        return x


class AdaLNBeforeHead(nn.Module):
    def __init__(self, C, D):
        super().__init__()
        self.C = C
        self.ada_lin = nn.Sequential(nn.SiLU(), nn.Linear(D, 2 * C))

    def forward(self, x, cond_BD):
        scale, shift = self.ada_lin(cond_BD).view(-1, 1, 2, self.C).unbind(2)
        return layer_norm(x) * (scale + 1) + shift


def block_causal_bias(patch_nums):
    """(lvl_1L [1, L] scale index per token, attn_bias [1,1,L,L]: 0 where key scale <= query scale, else -inf)."""
    d = torch.cat([torch.full((pn * pn,), i) for i, pn in enumerate(patch_nums)]).view(1, -1, 1)
    dT = d.transpose(1, 2)
    lvl_1L = dT[:, 0].contiguous()
    bias = torch.where(d >= dT, 0.0, -torch.inf).reshape(1, 1, d.shape[1], d.shape[1])
    return lvl_1L, bias


class VAR(nn.Module):
    def __init__(self, depth, vocab_size=512, cvae=32, patch_nums=(1, 2, 3, 4), num_classes=10,
                 cond_drop_rate=0.1):
        super().__init__()
        C = 64 * depth
        self.depth, self.C, self.D, self.H = depth, C, C, depth
        self.V, self.Cvae, self.num_classes = vocab_size, cvae, num_classes
        self.patch_nums = tuple(patch_nums)
        self.L = sum(pn * pn for pn in self.patch_nums)
        self.first_l = self.patch_nums[0] ** 2
        self.cond_drop_rate = cond_drop_rate
        init_std = math.sqrt(1 / C / 3)
        self.word_embed = nn.Linear(cvae, C)
        self.class_emb = nn.Embedding(num_classes + 1, C)  # last row: the null class for CFG
        nn.init.trunc_normal_(self.class_emb.weight, mean=0, std=init_std)
        self.pos_start = nn.Parameter(torch.empty(1, self.first_l, C))
        nn.init.trunc_normal_(self.pos_start, mean=0, std=init_std)
        self.pos_1LC = nn.Parameter(torch.empty(1, self.L, C))
        nn.init.trunc_normal_(self.pos_1LC, mean=0, std=init_std)
        self.lvl_embed = nn.Embedding(len(self.patch_nums), C)
        nn.init.trunc_normal_(self.lvl_embed.weight, mean=0, std=init_std)
        self.blocks = nn.ModuleList([AdaLNSelfAttn(C, C, depth) for _ in range(depth)])
        self.head_nm = AdaLNBeforeHead(C, C)
        self.head = nn.Linear(C, vocab_size)
        lvl_1L, bias = block_causal_bias(self.patch_nums)
        self.register_buffer('lvl_1L', lvl_1L)
        self.register_buffer('attn_bias_for_masking', bias.contiguous())
        self._init_weights(init_std)

    def _init_weights(self, init_std):
        # Roughly the official init: small trunc-normal Linears, tiny head, AdaLN gammas near zero so that
        # every block starts close to the identity.
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=init_std)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
        self.head.weight.data.mul_(0.02)
        C = self.C
        for b in self.blocks:
            b.ffn.fc2.weight.data.div_(math.sqrt(2 * self.depth))
            b.attn.proj.weight.data.div_(math.sqrt(2 * self.depth))
            w = b.ada_lin[-1].weight.data
            w[2 * C:].mul_(0.5)
            w[:2 * C].mul_(1e-5)
        self.head_nm.ada_lin[-1].weight.data.mul_(0.5)

    def get_logits(self, h, cond_BD):
        return self.head(self.head_nm(h, cond_BD))

    def forward(self, label_B, x_BLCv_wo_first_l):
        """Teacher-forced forward over all L tokens with the block-causal mask: logits [B, L, V]."""
        B = label_B.shape[0]
        if self.training and self.cond_drop_rate > 0:
            drop = torch.rand(B).to(label_B.device) < self.cond_drop_rate  # CPU draw: same stream on any device
            label_B = torch.where(drop, torch.full_like(label_B, self.num_classes), label_B)
        cond_BD = self.class_emb(label_B)
        sos = cond_BD.unsqueeze(1).expand(B, self.first_l, -1) + self.pos_start.expand(B, self.first_l, -1)
        x = torch.cat((sos, self.word_embed(x_BLCv_wo_first_l.float())), dim=1)
        x = x + self.lvl_embed(self.lvl_1L.expand(B, -1)) + self.pos_1LC
        for b in self.blocks:
            x = b(x, cond_BD, self.attn_bias_for_masking)
        return self.get_logits(x, cond_BD)


def param_counts(model):
    total = sum(p.numel() for p in model.parameters())
    linear = sum(m.weight.numel() + (m.bias.numel() if m.bias is not None else 0)
                 for m in model.modules() if isinstance(m, nn.Linear))
    return {'total': total, 'linear': linear}
