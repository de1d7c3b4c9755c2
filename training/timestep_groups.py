"""Timestep-aware static activation scales for DiT (`-tg<k>`, issue 15; PTQ4DiT / Q-DiT observe that a DiT's
activation ranges drift across timesteps): the S sampling steps are cut into groups of k consecutive steps
(ceil(S / k) groups, the last one may be shorter), and every quantised Linear gets one static per-tensor scale per
group, calibrated on the full-precision model's own sampling run, instead of one scale for all steps (k = S).

The PyTorch reference of the engine's `-tg` path: calibration here records absmax per Linear per group over the
calibration images (the engine's CALIBRATION: class-balanced labels, DDPM with the manifest's CFG), scale =
absmax / qmax as calibrate_act_scale. A forward pre-hook reads the model-space timestep of each DiT call,
maps it to its step index in the respaced schedule and so to its group (hooked on the timestep embedder).

python3 training/timestep_groups.py dit-d2 W8g32-A8t --k 10,50 --samples 500   FD per k (50 = one scale)"""
import argparse
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import quant  # noqa: E402
from quant_model import FakeQuantLinear, quantize_model  # noqa: E402


class GroupClock:
    """The group of the current sampling step, set by a forward pre-hook on the DiT (model-space timestep -> step)."""

    def __init__(self, diffusion, k):
        steps = diffusion.num_timesteps
        # Step n = 0 is the first one sampled (i = S - 1, the noisiest); groups count from there.
        self.group_of_t = {int(diffusion.timestep_map[i]): (steps - 1 - i) // k for i in range(steps)}
        self.groups = math.ceil(steps / k)
        self.group = 0

    def attach(self, dit):
        # On the timestep embedder: forward_with_cfg calls DiT.forward directly, past the DiT's own hooks.
        return dit.t_embedder.register_forward_pre_hook(self._hook)

    def _hook(self, module, args):
        t = args[0]
        groups = {self.group_of_t[int(v)] for v in t.reshape(-1)}
        if len(groups) != 1:
            raise ValueError(f'one forward mixes timesteps of groups {sorted(groups)}: sample one step at a time')
        self.group = groups.pop()


class GroupScaleLinear(FakeQuantLinear):
    """FakeQuantLinear with one static per-tensor activation scale per timestep group."""

    group_scales = None
    clock = None

    def quantised_input(self, x):
        if not self.quant_act_on:
            return x
        return quant.fake_quant_act(x, self.setting, self.group_scales[self.clock.group])


@torch.no_grad()
def calibrate(dit, diffusion, k, setting, labels, cfg, seed=0, method='ddpm'):
    """{Linear name: [absmax / qmax per group]} from the fp32 `dit` sampling `labels` (modules are unchanged)."""
    from diffusion import sample  # noqa: E402
    clock = GroupClock(diffusion, k)
    quantize_model(dit, setting, 'dit')  # marks which Linears quantise activations; kept at full precision below
    linears = {n: m for n, m in dit.named_modules() if isinstance(m, FakeQuantLinear) and m.quant_act_on}
    absmax = {n: [0.0] * clock.groups for n in linears}
    saved = {n: (m.quant_act_on, m.quant_weight_on) for n, m in linears.items()}
    for n, m in linears.items():
        m.quant_act_on, m.quant_weight_on = False, False  # calibrate on the full-precision model

        def record(module, args, name=n):
            absmax[name][clock.group] = max(absmax[name][clock.group], float(args[0].detach().abs().max()))
        m._record = m.register_forward_pre_hook(record)
    handle = clock.attach(dit)
    try:
        sample(dit, diffusion, labels, cfg=cfg, method=method, generator=torch.Generator().manual_seed(seed))
    finally:
        handle.remove()
        for n, m in linears.items():
            m._record.remove()
            m.quant_act_on, m.quant_weight_on = saved[n]
    qmax = quant.act_qmax(quant._as_setting(setting)['act'])
    for n, values in absmax.items():
        if max(values) == 0:
            raise quant.QuantError(f'{n} saw only zeros during calibration', fix='calibrate on real sampling runs')
    # A group whose inputs were all zero (none in practice) borrows the largest scale rather than dividing by zero.
    return {n: [(v or max(values)) / qmax for v in values] for n, values in absmax.items()}, clock


def apply(dit, setting, scales, clock):
    """In place: the Linears of `scales` quantise activations with their group's scale; returns the hook handle."""
    quantize_model(dit, setting, 'dit')
    for n, m in dit.named_modules():
        if n in scales:
            m.__class__ = GroupScaleLinear
            m.group_scales, m.clock = scales[n], clock
    return clock.attach(dit)


def main():
    import evaluate  # noqa: E402
    import zoo  # noqa: E402
    from common import setup  # noqa: E402
    from diffusion import Diffusion  # noqa: E402
    ap = argparse.ArgumentParser()
    ap.add_argument('model', help='e.g. dit-d2')
    ap.add_argument('setting', help='a per-tensor activation setting, e.g. W8g32-A8t')
    ap.add_argument('--k', default='10,50', help='steps per group, comma separated (k = steps: one scale)')
    ap.add_argument('--samples', type=int, default=500)
    ap.add_argument('--calibration', type=int, default=10, help='calibration images (class i mod 10), as the engine')
    args = ap.parse_args()
    if not quant._as_setting(args.setting)['act'].get('per_tensor'):
        sys.exit(f'{args.setting}: -tg calibrates per-tensor activation scales; use an A..t setting such as W8g32-A8t')
    setup(0, threads=1)
    depth = int(args.model.split('-d')[1])
    settings = zoo.DIT_SAMPLING
    diffusion = Diffusion.respaced(1000, settings['steps'])
    clf, _ = zoo.load_classifier()
    ref, _ = evaluate.reference(clf)
    vae, _ = zoo.load_vae()
    cal_labels = torch.arange(args.calibration) % 10
    labels = torch.arange(args.samples) % 10  # as evaluate.py: every jackknife group holds every class
    for k in (int(v) for v in args.k.split(',')):
        t0 = time.time()
        dit = zoo.load_dit(depth)[0].eval()
        scales, clock = calibrate(dit, diffusion, k, args.setting, cal_labels, settings['cfg'])
        apply(dit, args.setting, scales, clock)
        images = zoo.generate_dit(dit, vae, labels, settings, seed=1234)
        r = evaluate.score(clf, images, labels, ref)
        spread = max(max(v) / min(v) for v in scales.values())
        print(f"{args.model} {args.setting} k={k} ({clock.groups} groups): FD {r['fd']:.2f} ± {r['fdStdErr']:.2f}, "
              f"accuracy {r['accuracy']:.3f}, largest max/min scale ratio across groups {spread:.2f} "
              f"(N={len(labels)}, {time.time() - t0:.0f} s)", flush=True)


if __name__ == '__main__':
    main()
