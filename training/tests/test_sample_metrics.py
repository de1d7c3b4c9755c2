"""FD/KID statistics of training/sample_metrics.py against brute-force definitions and known answers."""
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from sample_metrics import Reference, balanced_groups, quality  # noqa: E402


def brute_kid(x, y):
    d = x.shape[1]
    k = lambda a, b: (a @ b / d + 1) ** 3  # noqa: E731
    n, m = len(x), len(y)
    kxx = sum(k(x[i], x[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    kyy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    kxy = sum(k(x[i], y[j]) for i in range(n) for j in range(m)) / (n * m)
    return kxx + kyy - 2 * kxy


class SampleMetricsTest(unittest.TestCase):
    def test_kid_matches_the_double_loop_definition(self):
        rng = np.random.default_rng(1)
        x, y = rng.normal(size=(30, 5)), rng.normal(0.3, 1.0, size=(40, 5))
        self.assertAlmostEqual(quality(x, Reference(y))['kid'], brute_kid(x, y), places=10)

    def test_kid_is_unbiased_for_a_perfect_generator_and_positive_for_a_shift(self):
        rng = np.random.default_rng(2)
        ref = Reference(rng.normal(size=(3000, 8)))
        kids = [quality(rng.normal(size=(100, 8)), ref)['kid'] for _ in range(60)]
        mean, se = np.mean(kids), np.std(kids) / np.sqrt(len(kids))
        self.assertLess(abs(mean), 3 * se)  # FD at N=100 would be far above 0
        shifted = quality(rng.normal(1.0, 1.0, size=(100, 8)), ref)
        self.assertGreater(shifted['kid'], 3 * shifted['kidSe'])

    def test_every_jackknife_group_holds_every_class(self):
        groups = balanced_groups(2000)
        classes = np.arange(2000) % 10
        for g in range(10):
            self.assertEqual(sorted(set(classes[groups == g])), list(range(10)))
            self.assertEqual(int((groups == g).sum()), 200)


if __name__ == '__main__':
    unittest.main()
