"""training/mixed_precision.py: optimal on small cases (exhaustive search) and still writing the fixture the
TypeScript allocator is checked against (test/quant/mixedPrecision.test.ts)."""
import itertools
import json
import math
import os
import random
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
import mixed_precision as mp  # noqa: E402


class MixedPrecisionTest(unittest.TestCase):
    def test_exact_matches_exhaustive_search(self):
        rng = random.Random(3)
        widths = [2, 3, 4, 8]
        for _ in range(30):
            layers = [{'name': f'l{i}', 'params': 32 * rng.randint(1, 20),
                       'errorByBits': {b: rng.random() * (9 - b) for b in widths}} for i in range(4)]
            budget = 2 + rng.random() * 6
            total = sum(l['params'] for l in layers)
            best = min((sum(l['errorByBits'][b] for l, b in zip(layers, combo))
                        for combo in itertools.product(widths, repeat=len(layers))
                        if sum(l['params'] * b for l, b in zip(layers, combo)) <= budget * total * (1 + 1e-12)))
            _, avg, err = mp.allocate_bits(layers, widths, budget)
            self.assertLessEqual(avg, budget + 1e-9)
            self.assertTrue(math.isclose(err, best, rel_tol=1e-12, abs_tol=1e-12))

    def test_budget_out_of_range(self):
        with self.assertRaises(ValueError):
            mp.allocate_bits([{'name': 'a', 'params': 1, 'errorByBits': {2: 1, 4: 0}}], [2, 4], 5)

    def test_fixture_is_current(self):
        with open(mp.FIXTURE) as f:
            shipped = json.load(f)['cases']
        for case, written in zip(mp._fixture_cases(), shipped):
            bits, avg, err = mp.allocate_bits(case['layers'], case['widths'], case['budget'], case['exactCells'])
            self.assertEqual(bits, written['expected']['bitsByLayer'])
            self.assertAlmostEqual(err, written['expected']['predictedError'], places=12)


if __name__ == '__main__':
    unittest.main()
