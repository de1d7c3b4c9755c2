"""training/sweep_torch.py's point list: settings it cannot mirror and students it cannot find are refused up
front with the fix, before any model is loaded."""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
import sweep_torch  # noqa: E402


class SweepPointsTest(unittest.TestCase):
    def test_calibrated_methods_are_points(self):
        pts = sweep_torch.points_of(['var-d1'], ['fp32', 'W3g32-gptq', 'W8c-A8-sq0.5', 'W4g32-A8t'])
        self.assertEqual([s for _, s in pts], ['fp32', 'W3g32-gptq', 'W8c-A8-sq0.5', 'W4g32-A8t'])

    def test_clip_is_refused_not_measured_as_rtn(self):
        with self.assertRaises(SystemExit) as e:
            sweep_torch.points_of(['var-d1'], ['W3g32-clip'])
        self.assertIn('npm run sweep', str(e.exception))

    def test_unknown_student_is_refused_with_the_fix(self):
        with self.assertRaises(SystemExit) as e:
            sweep_torch.student_points(['mnist-var-d9-qat-w2g32-nope'])
        self.assertIn('train_qat.sh', str(e.exception))

    def test_resume_reads_finished_points_of_this_n_and_seed(self):
        with tempfile.TemporaryDirectory() as parts:
            rows = [{'modelId': 'mnist-var-d1', 'setting': 'fp32', 'samples': 20, 'seed': 0, 'fd': 1.0},
                    {'modelId': 'mnist-var-d1', 'setting': 'W4g32', 'samples': 2000, 'seed': 0, 'fd': 2.0},
                    {'modelId': 'mnist-var-d1-qat-w2g32-task', 'setting': 'W2g32', 'samples': 20, 'seed': 0, 'fd': 3.0}]
            with open(os.path.join(parts, 'rank0.jsonl'), 'w') as f:
                f.write('\n'.join(json.dumps(r) for r in rows) + '\n{"modelId": "cut off')
            done = sweep_torch.finished_points(parts, 20, 0)
            self.assertEqual(sorted(done), [('mnist-var-d1', 'fp32'), ('mnist-var-d1-qat-w2g32-task', 'W2g32')])
            self.assertIn(sweep_torch.key_of('var-d1', 'fp32'), done)
            self.assertIn(sweep_torch.key_of('mnist-var-d1-qat-w2g32-task', 'W2g32'), done)
            self.assertEqual(sweep_torch.finished_points(os.path.join(parts, 'none'), 20, 0), {})

    def test_no_students_no_points(self):
        self.assertEqual(sweep_torch.student_points([]), [])


if __name__ == '__main__':
    unittest.main()
