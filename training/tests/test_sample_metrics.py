"""FD/KID statistics of training/sample_metrics.py against brute-force definitions and known answers."""
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from sample_metrics import Reference, balanced_groups, kid_from_terms, kid_terms, quality  # noqa: E402


def brute_kid(x, y):
    d = x.shape[1]
    k = lambda a, b: (a @ b / d + 1) ** 3  # noqa: E731
    n, m = len(x), len(y)
    kxx = sum(k(x[i], x[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    kyy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    kxy = sum(k(x[i], y[j]) for i in range(n) for j in range(m)) / (n * m)
    return kxx + kyy - 2 * kxy


class SampleMetricsTest(unittest.TestCase):
    def test_kid_matches_the_double_loop_definition_for_one_class(self):
        rng = np.random.default_rng(1)
        x, y = rng.normal(size=(30, 5)), rng.normal(0.3, 1.0, size=(40, 5))
        ref = Reference(y)
        kxx, kxy = kid_terms(x, ref)
        self.assertAlmostEqual(kid_from_terms(kxx, kxy, ref, np.ones(30, bool), classes=1), brute_kid(x, y), places=10)

    def test_class_stratified_kid_is_unbiased_for_the_class_mixture(self):
        # Well-separated classes, exactly N/10 samples each (sample i of class i mod 10), from the same mixture
        # as the reference: the stratified estimator averages to 0; the plain all-pairs mean would not.
        rng = np.random.default_rng(5)
        centres = rng.normal(0, 3.0, size=(10, 6))
        ref = Reference(centres[np.arange(4000) % 10] + rng.normal(size=(4000, 6)))
        kids, plain = [], []
        for _ in range(40):
            x = centres[np.arange(60) % 10] + rng.normal(size=(60, 6))
            kxx, kxy = kid_terms(x, ref)
            kids.append(kid_from_terms(kxx, kxy, ref, np.ones(60, bool)))
            plain.append(kid_from_terms(kxx, kxy, ref, np.ones(60, bool), classes=1))
        se = np.std(kids) / np.sqrt(len(kids))
        self.assertLess(abs(np.mean(kids)), 3 * se)
        self.assertGreater(abs(np.mean(plain)), 3 * np.std(plain) / np.sqrt(len(plain)))

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
