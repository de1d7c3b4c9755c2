"""VAR sampling with a KV cache, one scale per step, CFG ramped with the scale index, top-k/top-p, and a
sampler driven by explicit uniforms (so the browser engine can reproduce every draw from the goldens).

Token draw (the contract in docs/sampling.md): Gumbel-max with one uniform per vocabulary entry. Per token row,
with filtered logits l[0..V-1] (removed tokens are -inf) and uniforms u[0..V-1] in [0, 1):
    g_i = -log(-log(max(u_i, 2**-24))),   token = the kept index i with the largest l_i + g_i (ties: smallest i),
computed in float64. Shared uniforms couple two runs (e.g. fp32 vs quantised logits) far more tightly than an
inverse-CDF draw with one uniform per row: a token changes only where the logit change reorders l + g.
"""
import torch


def filter_top_k_top_p(logits, top_k, top_p):
    """Masks logits [..., V] to -inf outside the top-k and the top-p nucleus (official VAR semantics)."""
    logits = logits.clone()
    V = logits.shape[-1]
    if 0 < top_k < V:
        kth = logits.topk(top_k, dim=-1).values[..., -1:]
        logits[logits < kth] = -torch.inf
    if 0 < top_p < 1:
        sorted_logits, sorted_idx = logits.sort(dim=-1, descending=False)
        remove_sorted = sorted_logits.softmax(-1).cumsum(-1) <= (1 - top_p)
        remove_sorted[..., -1:] = False  # always keep the most likely token
        remove = remove_sorted.scatter(-1, sorted_idx, remove_sorted)
        logits[remove] = -torch.inf
    return logits


def draw_with_uniforms(logits, u):
    """logits [N, V] (already filtered: removed tokens are -inf), u [N, V] uniforms in [0, 1) -> indices [N].

    Gumbel-max: argmax over kept tokens of l_i - log(-log(max(u_i, 2**-24))) in float64, first index on ties.
    The clamp makes every Gumbel finite (u < 1 and u >= 2**-24), so every kept score is finite and a removed
    token (-inf) is never returned."""
    assert u.shape == logits.shape, (tuple(u.shape), tuple(logits.shape))
    kept = logits != -torch.inf
    gumbel = -torch.log(-torch.log(u.double().clamp_min(2 ** -24)))
    scores = torch.where(kept, logits.double() + gumbel, torch.full_like(gumbel, -torch.inf))
    # First index of the maximum (torch.argmax does not promise the first one on ties).
    best = scores.max(-1, keepdim=True).values
    V = logits.shape[-1]
    ar = torch.arange(V).expand_as(scores)
    return torch.where(scores == best, ar, torch.full_like(ar, V)).min(-1).values


def cfg_weight(cfg, si, num_scales):
    return cfg * si / (num_scales - 1)


@torch.no_grad()
def sample(var, quantizer, label_B, cfg=1.5, top_k=0, top_p=0.0, uniforms=None, generator=None, record=None):
    """Returns f_hat [B, Cvae, H, H]. uniforms: list per scale of [B, pn*pn, V] in [0,1) (one per token row and
    vocabulary entry, for the Gumbel-max draw); drawn from `generator` when None. record: optional dict that receives per-step tensors (for goldens)."""
    B = label_B.shape[0]
    SN = len(var.patch_nums)
    H = var.patch_nums[-1]
    labels = torch.cat((label_B, torch.full_like(label_B, var.num_classes)))
    cond_BD = var.class_emb(labels)
    lvl_pos = var.lvl_embed(var.lvl_1L) + var.pos_1LC
    next_map = (cond_BD.unsqueeze(1).expand(2 * B, var.first_l, -1) + var.pos_start.expand(2 * B, var.first_l, -1)
                + lvl_pos[:, :var.first_l])
    f_hat = torch.zeros(B, var.Cvae, H, H)
    cur_L = 0
    for b in var.blocks:
        b.attn.kv_caching(True)
    try:
        for si, pn in enumerate(var.patch_nums):
            cur_L += pn * pn
            x = next_map
            for b in var.blocks:
                x = b(x, cond_BD, None)
            logits_2B = var.get_logits(x, cond_BD)
            t = cfg_weight(cfg, si, SN)
            logits = (1 + t) * logits_2B[:B] - t * logits_2B[B:]
            filtered = filter_top_k_top_p(logits, top_k, top_p)
            u = uniforms[si] if uniforms is not None else torch.rand(B, pn * pn, var.V, generator=generator)
            idx = draw_with_uniforms(filtered.reshape(-1, var.V), u.reshape(-1, var.V)).view(B, pn * pn)
            h = quantizer.embedding(idx).transpose(1, 2).reshape(B, var.Cvae, pn, pn)
            f_hat, nxt = quantizer.next_autoregressive_input(si, f_hat, h)
            if record is not None:
                record.setdefault('inputs', []).append(next_map.clone())
                record.setdefault('logits_cond', []).append(logits_2B[:B].clone())
                record.setdefault('logits_uncond', []).append(logits_2B[B:].clone())
                record.setdefault('logits_cfg', []).append(logits.clone())
                record.setdefault('uniforms', []).append(u.clone())
                record.setdefault('tokens', []).append(idx.clone())
                record.setdefault('f_hat', []).append(f_hat.clone())
            if si != SN - 1:
                nxt = nxt.view(B, var.Cvae, -1).transpose(1, 2)
                next_map = var.word_embed(nxt) + lvl_pos[:, cur_L:cur_L + var.patch_nums[si + 1] ** 2]
                next_map = next_map.repeat(2, 1, 1)
    finally:
        for b in var.blocks:
            b.attn.kv_caching(False)
    return f_hat
