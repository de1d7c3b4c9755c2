"""Quantisation-aware training (QAT) and distillation of a quantised student from its full-precision teacher.

python3 training/qat.py --family var --depth 2 --setting W3g32 --loss topkld --steps 1000
python3 training/qat.py --family dit --depth 3 --setting W4g32-A8 --loss mse --steps 1000

The student starts from the teacher's shipped (fp16-rounded) weights; every forward passes its Linears through
the straight-through fake quantisers of the setting (quant_model.py), so it learns latent f32 weights whose RTN
quantisation is good. Saved to runs/qat/<id>.pt (latent weights; export_qat.py ships them as f16, which is what
the student was quantised from in training, so the browser's RTN of the bundle IS the trained student).

Losses (docs/qat.md has the formulas):
  var: task   cross-entropy on the real tokens (teacher-forced), as train_var.py
       fkl    KL(teacher || student) per token position, teacher-forced on real tokens
       rkl    KL(student || teacher)
       topkld our reconstruction of TopKLD (see topkld_loss)
  dit: task   the diffusion loss of train_dit.py (eps MSE + VB)
       mse    output distillation: MSE between student and teacher outputs (eps and variance channels) on the
              same x_t, t, y
Labels are replaced by the null class with probability 0.1 (for teacher and student alike), so the
unconditional branch used by CFG is trained too.
"""
import argparse
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zoo  # noqa: E402
from common import RUNS_DIR, Budget, Logger, command_line, setup  # noqa: E402
from quant_model import quantize_model, quantised_layers  # noqa: E402

QAT_DIR = os.path.join(RUNS_DIR, 'qat')
VAR_LOSSES = ('task', 'fkl', 'rkl', 'topkld')
DIT_LOSSES = ('task', 'mse')
LABEL_DROP = 0.1


def qat_id(family, depth, setting, loss, seed=0):
    """Bundle / checkpoint id; a repeat with another seed gets a -s<seed> suffix (not exported by default)."""
    return f'mnist-{family}-d{depth}-qat-{setting.lower()}-{loss}' + (f'-s{seed}' if seed else '')


def forward_kl(t_logp, s_logp):
    """Mean over positions of sum_v p_t (log p_t - log p_s)."""
    return (t_logp.exp() * (t_logp - s_logp)).sum(-1).mean()


def reverse_kl(t_logp, s_logp):
    """Mean over positions of sum_v p_s (log p_s - log p_t)."""
    return (s_logp.exp() * (s_logp - t_logp)).sum(-1).mean()


def topkld_loss(t_logp, s_logp, k=16, lam=0.5):
    """OUR RECONSTRUCTION of TopKLD (the paper's exact formula is not available). Per position, T = the teacher's
    top-k codes. On T, forward-KL terms; on the tail, reverse-KL terms; mixed with weight lam:
        L = lam * sum_{v in T} [p_t log(p_t/p_s) - p_t + p_s] + (1 - lam) * sum_{v not in T} [p_s log(p_s/p_t) - p_s + p_t]
    Each bracket is a generalised-KL term, >= 0 and 0 only at p_s = p_t, so both parts are proper divergences on
    their subsets (plain partial KL sums can be negative). With lam = 1/2 and k = V (all codes) it is FKL/2;
    with k = 0 it is RKL/2: the forward terms make the student cover the teacher's likely codes (mode covering
    where it matters), the reverse terms keep it from putting mass on codes the teacher rules out."""
    t_p, s_p = t_logp.exp(), s_logp.exp()
    top = torch.zeros_like(t_logp, dtype=torch.bool)
    if k > 0:
        top.scatter_(-1, t_logp.topk(min(k, t_logp.shape[-1]), dim=-1).indices, True)
    fwd = t_p * (t_logp - s_logp) - t_p + s_p
    rev = s_p * (s_logp - t_logp) - s_p + t_p
    per_pos = lam * torch.where(top, fwd, torch.zeros_like(fwd)).sum(-1) + (1 - lam) * torch.where(top, torch.zeros_like(rev), rev).sum(-1)
    return per_pos.mean()


def drop_labels(labels, g):
    drop = torch.rand(labels.shape[0], generator=g) < LABEL_DROP
    return torch.where(drop, torch.full_like(labels, 10), labels)


def var_loss_fn(args, teacher, student, batch, g):
    labels, inputs, tokens = batch
    labels = drop_labels(labels, g)
    s_logits = student(labels, inputs)
    if args.loss == 'task':
        return F.cross_entropy(s_logits.reshape(-1, s_logits.shape[-1]), tokens.reshape(-1))
    with torch.no_grad():
        t_logp = teacher(labels, inputs).log_softmax(-1)
    s_logp = s_logits.log_softmax(-1)
    if args.loss == 'fkl':
        return forward_kl(t_logp, s_logp)
    if args.loss == 'rkl':
        return reverse_kl(t_logp, s_logp)
    return topkld_loss(t_logp, s_logp, args.K, args.lam)


def train(args, log):
    setup(args.seed, threads=args.threads)
    family, model_id = args.family, qat_id(args.family, args.depth, args.setting, args.loss, args.seed)
    if family == 'var':
        from train_var import load_vqvae, tokenize_split, tokenizer_id
        teacher, teacher_ck = zoo.load_var(args.depth)
        student, _ = zoo.load_var(args.depth)
        vq, vq_ck = load_vqvae()
        data = tokenize_split(vq, 'train', tokenizer_id(vq_ck))
        n = len(data['labels'])
        lr = args.lr or 3e-4
    else:
        from diffusion import Diffusion, linear_betas
        from train_dit import latent_stats, load_vae
        teacher, teacher_ck = zoo.load_dit(args.depth)
        student, _ = zoo.load_dit(args.depth)
        for m in (teacher, student):
            m.y_embedder.dropout_prob = 0.0  # labels are dropped here, the same for both
        vae, vae_id = load_vae()
        scale, shift = vae.scale_factor.item(), vae.latent_shift.clone()
        data = latent_stats(vae, 'train', vae_id)
        n = len(data['labels'])
        diffusion = Diffusion(linear_betas(1000))
        lr = args.lr or 3e-4
    for p in teacher.parameters():
        p.requires_grad_(False)
    quantize_model(student, args.setting, family)
    student.train()
    if family == 'var':
        student.cond_drop_rate = 0.0
    log(f'command: {command_line()}')
    log(f'{model_id}: teacher {family}-d{args.depth} ({teacher_ck["info"].get("steps")} steps), setting {args.setting}, '
        f'loss {args.loss}' + (f' K {args.K} lambda {args.lam}' if args.loss == 'topkld' else '') +
        f', lr {lr:.1e}, batch {args.batch}, quantised Linears {len(quantised_layers(student))}')
    params = [p for p in student.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.95), weight_decay=0.0)
    g = torch.Generator().manual_seed(args.seed)
    budget = Budget(args.steps)
    t0, step, avg = time.time(), 0, None
    while not budget.done(step):
        step += 1
        for group in opt.param_groups:
            group['lr'] = lr * budget.lr_factor(step)
        idx = torch.randint(0, n, (args.batch,), generator=g)
        if family == 'var':
            loss = var_loss_fn(args, teacher, student, (data['labels'][idx], data['inputs'][idx], data['tokens'][idx]), g)
        else:
            mean, std = data['mean'][idx], data['std'][idx]
            x0 = (mean + std * torch.randn(mean.shape, generator=g) - shift) * scale
            t = torch.randint(0, diffusion.num_timesteps, (args.batch,), generator=g)
            noise = torch.randn(x0.shape, generator=g)
            y = drop_labels(data['labels'][idx], g)
            if args.loss == 'task':
                loss = diffusion.training_losses(student, x0, t, y, noise)[0].mean()
            else:
                xt = diffusion.q_sample(x0, t, noise)
                with torch.no_grad():
                    target = teacher(xt, diffusion.map_t(t), y)
                loss = F.mse_loss(student(xt, diffusion.map_t(t), y), target)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        avg = loss.item() if avg is None else 0.98 * avg + 0.02 * loss.item()
        if step % 50 == 0:
            log(f'step {step} loss(avg) {avg:.5f} lr {opt.param_groups[0]["lr"]:.2e} samples/s {step * args.batch / (time.time() - t0):.1f}')
    student.eval()
    info = {'steps': step, 'images': step * args.batch, 'batch': args.batch, 'lr': lr, 'final_loss_avg': avg,
            'minutes': (time.time() - t0) / 60, 'command': command_line(), 'setting': args.setting, 'loss': args.loss,
            'teacher': f'mnist-{family}-d{args.depth}', 'seed': args.seed, 'params': {'K': args.K, 'lambda': args.lam} if args.loss == 'topkld' else {}}
    os.makedirs(QAT_DIR, exist_ok=True)
    torch.save({'state_dict': student.state_dict(), 'config': teacher_ck['config'], 'info': info},
               os.path.join(QAT_DIR, f'{model_id}.pt'))
    log(f'done: {info}')
    return info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--family', choices=('var', 'dit'), required=True)
    ap.add_argument('--depth', type=int, required=True)
    ap.add_argument('--setting', required=True, help="e.g. W4g32-A8, W3g32, Wfp4g32 (src/quant/setting.ts grammar)")
    ap.add_argument('--loss', required=True, help=f'var: {VAR_LOSSES}; dit: {DIT_LOSSES}')
    ap.add_argument('--K', type=int, default=16, help='topkld: teacher top-K codes that get forward-KL terms')
    ap.add_argument('--lam', type=float, default=0.5, help='topkld: weight of the forward part (1 - lam: reverse)')
    ap.add_argument('--steps', type=int, default=1000, help='fixed number of optimiser steps')
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--lr', type=float, default=0)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=1)
    args = ap.parse_args()
    allowed = VAR_LOSSES if args.family == 'var' else DIT_LOSSES
    if args.loss not in allowed:
        ap.error(f'--loss {args.loss} is not one of {allowed} for {args.family}')
    train(args, Logger())


if __name__ == '__main__':
    main()
