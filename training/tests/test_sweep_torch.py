"""training/sweep_torch.py's point list: settings it cannot mirror and students it cannot find are refused up
front with the fix, before any model is loaded."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
import sweep_torch  # noqa: E402


class SweepPointsTest(unittest.TestCase):
    def test_calibrated_methods_are_points(self):
        pts = sweep_torch.points_of(['var-d1'], ['fp32', 'W3g32-gptq', 'W8c-A8-sq0.5', 'W4g32-A8t'])
        self.assertEqual([s for _, s in pts], ['fp32', 'W3g32-gptq', 'W8c-A8-sq0.5', 'W4g32-A8t'])

    def test_unknown_student_is_refused_with_the_fix(self):
        with self.assertRaises(SystemExit) as e:
            sweep_torch.student_points(['mnist-var-d9-qat-w2g32-nope'])
        self.assertIn('train_qat.sh', str(e.exception))

    def test_no_students_no_points(self):
        self.assertEqual(sweep_torch.student_points([]), [])


if __name__ == '__main__':
    unittest.main()
