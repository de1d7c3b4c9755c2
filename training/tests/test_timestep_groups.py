"""training/timestep_groups.py: groups of k sampling steps, one static scale per group per Linear."""
import os
import sys
import unittest

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
import timestep_groups as tg  # noqa: E402
from diffusion import Diffusion  # noqa: E402
from models.dit import DiT  # noqa: E402


def tiny_dit():
    torch.manual_seed(0)
    dit = DiT(depth=1, width=32, heads=1).eval()
    for n, p in dit.named_parameters():
        if n == 'pos_embed':
            continue  # adaLN-Zero starts at zero: give every Linear a signal to calibrate on
        torch.nn.init.normal_(p, std=0.05)
    return dit


class TimestepGroupsTest(unittest.TestCase):
    def test_groups_of_k_steps(self):
        clock = tg.GroupClock(Diffusion.respaced(1000, 10), k=4)
        self.assertEqual(clock.groups, 3)
        diffusion = Diffusion.respaced(1000, 10)
        # The first sampled step (i = 9, the noisiest) is group 0; steps 8, 9, 10 (i = 1, 0) are in the last group.
        self.assertEqual(clock.group_of_t[int(diffusion.timestep_map[9])], 0)
        self.assertEqual(clock.group_of_t[int(diffusion.timestep_map[5])], 1)
        self.assertEqual(clock.group_of_t[int(diffusion.timestep_map[0])], 2)

    def test_calibration_per_group_and_one_scale_at_k_equal_steps(self):
        diffusion = Diffusion.respaced(1000, 6)
        labels = torch.arange(4)
        grouped, clock = tg.calibrate(tiny_dit(), diffusion, 2, 'W8g32-A8t', labels, cfg=1.5)
        single, _ = tg.calibrate(tiny_dit(), diffusion, 6, 'W8g32-A8t', labels, cfg=1.5)
        self.assertEqual(clock.groups, 3)
        for name, scales in grouped.items():
            self.assertEqual(len(scales), 3)
            self.assertEqual(len(single[name]), 1)
            # One scale for all steps is the largest of the group scales (absmax over every step).
            self.assertAlmostEqual(single[name][0], max(scales), places=6)
        self.assertTrue(any(max(v) / min(v) > 1.01 for v in grouped.values()), 'ranges should drift across steps')

    def test_apply_uses_the_group_scale(self):
        diffusion = Diffusion.respaced(1000, 4)
        dit = tiny_dit()
        scales, clock = tg.calibrate(dit, diffusion, 2, 'W8g32-A8t', torch.arange(2), cfg=1.0)
        handle = tg.apply(dit, 'W8g32-A8t', scales, clock)
        seen = []
        name = next(iter(scales))
        module = dict(dit.named_modules())[name]
        module.register_forward_pre_hook(lambda m, a: seen.append(m.clock.group))
        from diffusion import sample
        sample(dit, diffusion, torch.arange(2), cfg=1.0, generator=torch.Generator().manual_seed(0))
        handle.remove()
        self.assertEqual(sorted(set(seen)), [0, 1])
        self.assertIsInstance(module, tg.GroupScaleLinear)


if __name__ == '__main__':
    unittest.main()
