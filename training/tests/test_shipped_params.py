"""A decoder bundle's params.total counts what ships (issue 13): the tensors of its weights file and its ONNX
decoder's weights, not the encoder that stays behind (the tokenizer once counted 266,689 of which 151,041 ship)."""
import json
import os
import unittest

import numpy as np
import onnx

MODELS = os.path.join(os.path.dirname(__file__), '..', '..', 'public', 'models')


def shipped_elements(bundle):
    m = json.load(open(os.path.join(MODELS, bundle, 'manifest.json')))
    weights = sum(int(np.prod(t['shape'])) for t in m['tensors'])
    graph = onnx.load(os.path.join(MODELS, bundle, 'decoder.onnx')).graph
    # Float initializers with a shape: the decoder's weights (and folded constants such as the VAE's latent shift).
    decoder = sum(int(np.prod(i.dims)) for i in graph.initializer if i.dims and i.data_type == onnx.TensorProto.FLOAT)
    return m['params']['total'], weights, decoder


class ShippedParamsTest(unittest.TestCase):
    def test_decoder_bundles_count_what_ships(self):
        for bundle in ('mnist-vqvae', 'mnist-vae'):
            total, weights, decoder = shipped_elements(bundle)
            # Nothing beyond the shipped files, and at least the decoder's own weights minus constants copied from
            # the weights file (the VAE's latent shift sits in both).
            self.assertLessEqual(total, weights + decoder, f'{bundle}: params.total counts more than ships')
            self.assertGreaterEqual(total, decoder - weights, f'{bundle}: params.total misses shipped weights')

    def test_index_agrees(self):
        index = json.load(open(os.path.join(MODELS, 'index.json')))
        for e in index['models']:
            m = json.load(open(os.path.join(MODELS, e['manifest'])))
            self.assertEqual(e['params'], m['params'], e['id'])


if __name__ == '__main__':
    unittest.main()
