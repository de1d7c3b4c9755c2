"""Converted manifests record no local paths, and the official tokenizer's params.total counts what it ships.

Runs convert_official.main() as a user would, with absolute checkpoint and output paths under a temp folder (the
tiny official-layout checkpoints of test_convert_official), then reads every JSON file the converter wrote.

  /usr/bin/python3 -m unittest training/tests/test_manifest_paths.py
"""
import json
import os
import re
import shutil
import sys
import tempfile
import unittest
from unittest import mock

import numpy as np
import onnx
import torch
from onnx import numpy_helper

TESTS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(TESTS))
sys.path.insert(0, TESTS)
import convert_official as co  # noqa: E402
import export_bundle as eb  # noqa: E402
import safetensors_io  # noqa: E402
from test_convert_official import CIN, CVAE, DEPTH, NCLS, PNS, S, D, P, V, diffusers_vae_state, official_vqvae_state  # noqa: E402

ABSOLUTE = re.compile(r'(^|[\s=])(/|~|[A-Za-z]:\\)')


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


class TestManifestPaths(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(1)
        g = torch.Generator().manual_seed(0)
        cls.tmp = tempfile.mkdtemp(prefix='manifest-paths-')
        cls.out = os.path.join(cls.tmp, 'deep', 'models')
        from official_layout import official_dit_state, official_var_state
        cls.vq_sd = official_vqvae_state(g)
        states = {'var_d2.pth': official_var_state(g, depth=DEPTH, vocab=V, cvae=CVAE, patch_nums=PNS, ncls=NCLS),
                  'vae.pth': cls.vq_sd, 'dit.pt': official_dit_state(g, depth=DEPTH, width=D, latent=S, patch=P, cin=CIN, ncls=NCLS),
                  'sdvae.bin': diffusers_vae_state(g)}
        paths = {}
        for name, sd in states.items():
            paths[name] = os.path.join(cls.tmp, 'checkpoints', name)
            os.makedirs(os.path.dirname(paths[name]), exist_ok=True)
            torch.save(sd, paths[name])
        for argv in (['convert_official.py', 'var', '--var', paths['var_d2.pth'], '--vae', paths['vae.pth'], '--out', cls.out],
                     ['convert_official.py', 'dit', f'--dit={paths["dit.pt"]}', '--vae', paths['sdvae.bin'], '--out', cls.out,
                      '--heads', '4', '--scale-factor', '0.5', '--golden-steps', '2']):
            with mock.patch.object(sys, 'argv', argv):
                co.main()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def json_files(self):
        for folder, _, names in os.walk(self.out):
            for name in names:
                if name.endswith('.json'):
                    with open(os.path.join(folder, name)) as f:
                        yield os.path.relpath(os.path.join(folder, name), self.out), json.load(f)

    def test_no_json_the_converter_writes_holds_a_local_path(self):
        seen = 0
        for rel, doc in self.json_files():
            seen += 1
            for s in strings(doc):
                self.assertNotIn(self.tmp, s, f'{rel}: {s!r}')
                self.assertIsNone(ABSOLUTE.search(s), f'{rel} records an absolute path: {s!r}')
        self.assertGreaterEqual(seen, 5)  # index + 4 manifests
        with open(os.path.join(self.out, 'official-var-d2', 'manifest.json')) as f:
            command = json.load(f)['training']['command']
        self.assertEqual(command, 'python3 training/convert_official.py var --var var_d2.pth --vae vae.pth --out models')

    def test_portable_command_keeps_relative_paths_and_strips_absolute_ones(self):
        self.assertEqual(eb.portable_command('python3 training/x.py --out runs/a --ckpt=/home/me/w.pt ~/v.pth C:\\m\\a.bin'),
                         'python3 training/x.py --out runs/a --ckpt=w.pt v.pth a.bin')
        self.assertIsNone(eb.portable_command(None))

    def test_tokenizer_params_total_counts_the_shipped_files(self):
        folder = os.path.join(self.out, 'official-var-tokenizer')
        with open(os.path.join(folder, 'manifest.json')) as f:
            m = json.load(f)
        weights = safetensors_io.load(os.path.join(folder, 'weights.safetensors'))[0]
        in_weights = sum(int(np.prod(np.shape(v))) for v in weights.values())
        graph = onnx.load(os.path.join(folder, 'decoder.onnx')).graph
        in_onnx = sum(int(numpy_helper.to_array(t).size) for t in graph.initializer)
        # The exporter may fold constants (e.g. shapes) into initializers, so the graph holds at least the decoder.
        decoder = sum(v.numel() for k, v in self.vq_sd.items() if k.startswith(('decoder.', 'post_quant_conv.')))
        self.assertGreaterEqual(in_onnx, decoder)
        self.assertEqual(m['params']['total'], in_weights + decoder)
        encoder = sum(v.numel() for k, v in self.vq_sd.items() if k.startswith(('encoder.', 'quant_conv.')))
        self.assertGreater(encoder, 0)  # the fixture has encoder keys, so leaving them out is tested
        with open(os.path.join(self.out, 'index.json')) as f:
            entry = next(e for e in json.load(f)['models'] if e['id'] == 'official-var-tokenizer')
        self.assertEqual(entry['params'], m['params'])

    def test_dit_manifest_states_the_official_sampling_options(self):
        with open(os.path.join(self.out, 'official-dit-d2', 'manifest.json')) as f:
            sampling = json.load(f)['sampling']
        self.assertEqual(sampling, {'method': 'ddpm', 'steps': 250, 'cfg': 1.5, 'seed': 0, 'guidanceChannels': 3, 'ddimSpacing': 'ddimN'})


if __name__ == '__main__':
    unittest.main()
