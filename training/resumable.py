"""Resumable fixed-step training: a run stops at any moment and continues from its last checkpoint.

Two checkpoints per run, both rewritten every `save_every` steps:
- runs/<name>.state.pt: the full state (f32 weights, EMA, optimiser moments, RNG), git-ignored, for resuming
  on the same machine bit for bit;
- training/checkpoints/<name>.pt: compact (f16 weights and EMA, RNG, no optimiser state), committed, so a fresh
  clone resumes too (with fresh optimiser moments, which the log says) and, once done, holds the final EMA
  weights that the exporter reads.

Each checkpoint carries the run's fingerprint (model config, steps, batch, learning rate, seed, data); resuming
with other arguments is an error naming the differing fields, never a silent restart. `--restart` starts over.
"""
import os

import torch

import common
from common import compact, widen


class ResumeError(Exception):
    """A checkpoint that does not belong to this run; the message names the file, the fields and the fix."""


def _atomic_save(obj, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + '.tmp'
    torch.save(obj, tmp)
    os.replace(tmp, path)  # a run killed mid-write leaves the previous checkpoint intact


class ResumableRun:
    """Owns the checkpoints of one named run. `modules` maps names to nn.Modules (e.g. model, ema), saved by
    state_dict; `final` names the module whose weights are the run's result."""

    def __init__(self, name, fingerprint, modules, optimizer, generator, log, command, final='ema',
                 save_every=500, restart=False):
        self.name, self.fingerprint, self.modules = name, fingerprint, modules
        self.optimizer, self.generator, self.log, self.command = optimizer, generator, log, command
        self.final, self.save_every = final, save_every
        self.state_path = os.path.join(common.RUNS_DIR, f'{name}.state.pt')
        self.compact_path = os.path.join(common.CHECKPOINTS_DIR, f'{name}.pt')
        if restart:
            for p in (self.state_path, self.compact_path):
                if os.path.exists(p):
                    os.remove(p)
                    log(f'--restart: removed {p}')

    def _check(self, ck, path):
        found = ck.get('fingerprint', {})
        keys = sorted(set(found) | set(self.fingerprint))
        diff = [f'{k}: checkpoint {found.get(k)!r}, now {self.fingerprint.get(k)!r}'
                for k in keys if found.get(k) != self.fingerprint.get(k)]
        if diff:
            raise ResumeError(f'{path} belongs to another configuration of {self.name} ({"; ".join(diff)}). '
                              f'Fix: rerun with the checkpoint\'s arguments ({ck.get("command")}), '
                              f'or pass --restart to discard it and train from scratch.')

    def resume(self):
        """Loads the newest checkpoint of this run; returns the step to continue from (0 for a new run)."""
        for path, full in ((self.state_path, True), (self.compact_path, False)):
            if not os.path.exists(path):
                continue
            try:
                ck = torch.load(path, map_location='cpu')
            except Exception as e:  # noqa: BLE001 - any unreadable file gets the same advice
                raise ResumeError(f'{path} cannot be read ({e}). Fix: restore it from git '
                                  f'(`git checkout -- {path}`) or pass --restart to train from scratch.') from e
            self._check(ck, path)
            if ck.get('done'):
                return ck['step']
            device = next(iter(self.modules.values())).parameters().__next__().device
            for key, module in self.modules.items():
                sd = ck['modules'][key]
                module.load_state_dict({k: v.to(device) for k, v in (sd if full else widen(sd)).items()})
            if full:
                self.optimizer.load_state_dict(ck['optimizer'])
            self.generator.set_state(ck['generator'])
            torch.set_rng_state(ck['torch_rng'])  # class dropout draws from torch's global generator
            how = 'full state' if full else 'compact f16 weights; optimiser moments start afresh'
            self.log(f'resumed from {path} at step {ck["step"]} ({how})')
            return ck['step']
        return 0

    def start(self):
        """The step to continue from (0 for a new run), or None when this configuration is already trained."""
        done = self.done_step()
        if done is not None:
            self.log(f'{self.name} is already trained ({done} steps); --restart trains it again')
            return None
        return self.resume()

    def done_step(self):
        """The step of a finished run of this configuration, or None."""
        for path in (self.state_path, self.compact_path):
            if os.path.exists(path):
                ck = torch.load(path, map_location='cpu')
                self._check(ck, path)
                if ck.get('done'):
                    return ck['step']
        return None

    def maybe_save(self, step):
        if step % self.save_every == 0:
            self.save(step)

    def save(self, step):
        base = {'fingerprint': self.fingerprint, 'step': step, 'done': False, 'command': self.command,
                'generator': self.generator.get_state(), 'torch_rng': torch.get_rng_state()}
        _atomic_save({**base, 'modules': {k: {n: t.detach().cpu() for n, t in m.state_dict().items()}
                                          for k, m in self.modules.items()},
                      'optimizer': self.optimizer.state_dict()}, self.state_path)
        _atomic_save({**base, 'modules': {k: compact(m.state_dict()) for k, m in self.modules.items()}},
                     self.compact_path)

    def finish(self, step, config, info):
        """Writes the result: runs/<name>.pt (f32, as before) and the compact final checkpoint (f16, no
        optimiser, no live weights), and marks the full state done."""
        final = self.modules[self.final].state_dict()
        common.save_checkpoint(self.name, {k: v.detach().cpu() for k, v in final.items()}, config, info)
        done = {'fingerprint': self.fingerprint, 'step': step, 'done': True, 'command': self.command,
                'config': config, 'info': info}
        _atomic_save({**done, 'final': compact(final)}, self.compact_path)
        _atomic_save(done, self.state_path)
