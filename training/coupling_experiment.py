"""How alike fp32 and a quantised setting sample when they share their random draws, for two token draws:
inverse-CDF sampling in vocabulary order with one uniform per token (the draw before 2026-12) and Gumbel-max
with one uniform per token and code (the draw now; docs/sampling.md). Prints, per setting and draw, the
fraction of tokens agreeing with fp32 per scale, the fraction of images whose tokens all agree, and the
relative L2 error of the final f_hat.

    /usr/bin/python3 training/coupling_experiment.py mnist-var-d2 W8c-A8,W4g32,W2g32 200

Built from the shipped bundles (transformer weights; the tokenizer as training/regen_var_goldens.py rebuilds it), labels class-balanced,
VAR sampling of the manifest (cfg 1.5, no top-k/top-p), draws from torch.Generator seed 0.
"""
import copy
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import var_sampling  # noqa: E402
from quant_goldens import bundle_model  # noqa: E402
from regen_var_goldens import load_vqvae  # noqa: E402
from quant_model import quantize_model  # noqa: E402


def inverse_cdf_draw(logits, u):
    """The previous draw: logits [N, V], u [N, V] holding one uniform per row (repeated) -> the first index whose
    cumulative softmax exceeds it."""
    u = u[:, 0]
    p = logits.double().softmax(-1)
    cdf = p.cumsum(-1)
    idx = (cdf <= u.double().unsqueeze(-1) * cdf[..., -1:]).sum(-1)
    return torch.minimum(idx, (p > 0).long().cumsum(-1).argmax(-1))


def run(model, quantizer, labels, cfg, draws, draw):
    rec = {}
    original = var_sampling.draw_with_uniforms
    var_sampling.draw_with_uniforms = draw
    try:
        var_sampling.sample(model, quantizer, labels, cfg=cfg, uniforms=draws, record=rec)
    finally:
        var_sampling.draw_with_uniforms = original
    return rec


def main():
    torch.set_num_threads(2)
    model_id, settings, n = sys.argv[1], sys.argv[2].split(','), int(sys.argv[3])
    fp, manifest, _, _ = bundle_model(model_id)
    quantizer = load_vqvae().quantize
    pns, V, cfg = manifest['config']['patchNums'], manifest['config']['vocabSize'], manifest['sampling']['cfg']
    labels = torch.arange(n) % 10
    gen = torch.Generator().manual_seed(0)
    # The sampler takes [n, pn*pn, V] per scale; the inverse-CDF draw reads one uniform per token (repeated).
    one_per_token = [torch.rand(n, pn * pn, generator=gen).unsqueeze(-1).expand(-1, -1, V).contiguous() for pn in pns]
    one_per_code = [torch.rand(n, pn * pn, V, generator=gen) for pn in pns]
    # draw_with_uniforms (training/var_sampling.py) is the Gumbel-max draw; inverse_cdf_draw the previous one.
    draws = {'inverse-cdf': (one_per_token, inverse_cdf_draw), 'gumbel-max': (one_per_code, var_sampling.draw_with_uniforms)}
    models = {s: quantize_model(copy.deepcopy(fp), s, 'var') for s in settings}
    for name, (u, draw) in draws.items():
        ref = run(fp, quantizer, labels, cfg, u, draw)
        for s, model in models.items():
            r = run(model, quantizer, labels, cfg, u, draw)
            agree = [round((a == b).float().mean().item(), 3) for a, b in zip(ref['tokens'], r['tokens'])]
            every = torch.stack([(a == b).all(-1) for a, b in zip(ref['tokens'], r['tokens'])]).all(0).float().mean().item()
            err = ((ref['f_hat'][-1] - r['f_hat'][-1]).norm() / ref['f_hat'][-1].norm()).item()
            print(f'{model_id} {s:8s} {name:11s} tokens agreeing per scale {agree}  images all equal {every:.2f}  '
                  f'final f_hat rel err {err:.3f}', flush=True)


if __name__ == '__main__':
    main()
