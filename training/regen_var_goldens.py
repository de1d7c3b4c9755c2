"""Regenerates the goldens of every shipped VAR bundle (public/models/mnist-var-*) with the current sampler
(training/var_sampling.py, Gumbel-max draw of docs/sampling.md) WITHOUT training checkpoints: everything is
rebuilt from the shipped bundles.

- transformer: the bundle's weights.safetensors (f16 -> f32) via quant_goldens.bundle_model;
- tokenizer quantiser: public/models/mnist-vqvae/weights.safetensors (`quantize.*`);
- decoder (for the `image` golden): the initializers of public/models/mnist-vqvae/decoder.onnx (conv weights by
  name; the GroupNorm affine parameters, exported as unnamed `onnx::Mul_*` / `onnx::Add_*` [C,1,1] tensors, by the
  name of the graph node that uses them, e.g. node `/decoder/res.0/norm1/Mul` -> `decoder.res.0.norm1.weight`).

First the rebuilt tokenizer is checked: the decoder must reproduce the vqvae bundle's golden image_out from its
golden f_hat (max abs < 1e-4), and the quantiser its f_hat and var_input from its golden tokens. Then, per bundle,
the goldens are computed exactly as export_bundle.export_var does (goldens.var_goldens + export_bundle.write_goldens,
metadata class/seed/cfg/topK/topP from the manifest's `goldens` entry) and written, with the manifest's goldens
file entry (bytes, sha256) and `goldens` entry; weights and everything else stay as they are. --check-only writes
nothing and instead requires the shipped goldens to be reproduced: same tensor names, dtypes, shapes and metadata,
tokens exactly, floats within 1e-5 relative to the tensor's max abs.

Used on 2026-12-02 to move the goldens to the Gumbel-max draw; before writing, the same pipeline with the previous
draw (inverse CDF, training/coupling_experiment.py keeps it) reproduced all 19 bundles' previous goldens (tokens
exactly, floats within 3.7e-6).

Run from the repository root:  /usr/bin/python3 training/regen_var_goldens.py [--check-only] [id ...]
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_bundle  # noqa: E402
import goldens  # noqa: E402
import safetensors_io  # noqa: E402
from models.vqvae import VQVAE  # noqa: E402
from quant_goldens import MODELS_DIR, bundle_model  # noqa: E402

VQ_DIR = os.path.join(MODELS_DIR, 'mnist-vqvae')


def load_vqvae():
    """The PyTorch VQVAE with the shipped quantiser and decoder (the encoder stays random: not shipped, not used)."""
    manifest = json.load(open(os.path.join(VQ_DIR, 'manifest.json')))
    c = manifest['config']
    graph = onnx.load(os.path.join(VQ_DIR, 'decoder.onnx')).graph
    inits = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in graph.initializer}
    ch = inits['vqvae.decoder.conv_in.weight'].shape[0]
    vq = VQVAE(vocab_size=c['vocabSize'], cvae=c['cvae'], ch=ch, patch_nums=c['patchNums'], n_phi=c['phiCount'])
    state = {k[len('vqvae.'):]: v for k, v in inits.items() if k.startswith('vqvae.')}
    for node in graph.node:  # GroupNorm affine: Mul (weight) and Add (bias) nodes named /decoder/<module path>/<op>
        if node.op_type in ('Mul', 'Add') and len(node.input) == 2 and node.input[1].startswith('onnx::'):
            path = node.name.strip('/').split('/')
            assert path[-1] == node.op_type and path[-2].startswith('norm'), node.name
            key = '.'.join(path[:-1]) + ('.weight' if node.op_type == 'Mul' else '.bias')
            assert key not in state, key
            state[key] = inits[node.input[1]].reshape(-1)
        if node.op_type == 'InstanceNormalization':
            eps = onnx.helper.get_attribute_value(node.attribute[0])
            assert abs(eps - 1e-5) < 1e-9, (node.name, eps)
    w, _ = safetensors_io.load(os.path.join(VQ_DIR, 'weights.safetensors'))
    state.update({k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in w.items()})
    missing, unexpected = vq.load_state_dict(state, strict=False)
    assert not unexpected, unexpected
    assert all(k.startswith(('encoder.', 'quant_conv.')) for k in missing), missing
    assert len(state) == len(vq.state_dict()) - len(missing)
    return vq.eval()


@torch.no_grad()
def check_vqvae(vq):
    g, _ = safetensors_io.load(os.path.join(VQ_DIR, 'goldens.safetensors'))
    image = vq.fhat_to_img(torch.from_numpy(g['f_hat'].copy())).numpy()
    dec_err = float(np.abs(image - g['image_out']).max())
    print(f'decoder check: max |decode(f_hat) - image_out| = {dec_err:.3e}')
    assert dec_err < 1e-4, 'the decoder rebuilt from decoder.onnx does not reproduce the vqvae golden'
    q = vq.quantize
    idx = [torch.from_numpy(g[f'tokens.{k}'].astype(np.int64)) for k in range(len(q.patch_nums))]
    f_hat = torch.zeros(1, q.Cvae, q.patch_nums[-1], q.patch_nums[-1])
    for k, pn in enumerate(q.patch_nums):
        f_hat, _ = q.next_autoregressive_input(k, f_hat, q.embedding(idx[k]).transpose(1, 2).reshape(1, q.Cvae, pn, pn))
    q_err = max(float(np.abs(f_hat.numpy() - g['f_hat']).max()),
                float(np.abs(q.idx_to_var_input(idx).numpy() - g['var_input']).max()))
    print(f'quantiser check: max |f_hat, var_input - golden| = {q_err:.3e}')
    assert q_err < 1e-5
    return dec_err


def golden_args(manifest):
    gm = manifest['goldens']
    meta = {'class': gm['class'], 'seed': gm['seed'], 'cfg': gm['cfg'], 'topK': gm['topK'], 'topP': gm['topP']}
    return meta, {'cfg': gm['cfg'], 'topK': gm['topK'], 'topP': gm['topP']}


def compare(model_id, new, old, new_meta, old_meta):
    assert list(new) == list(old), (model_id, list(new), list(old))
    assert {k: str(v) for k, v in new_meta.items()} == old_meta, (model_id, new_meta, old_meta)
    worst = 0.0
    for k, a in new.items():
        b = old[k]
        assert a.dtype == b.dtype and a.shape == b.shape, (model_id, k, a.dtype, b.dtype, a.shape, b.shape)
        if a.dtype.kind == 'i':
            assert np.array_equal(a, b), (model_id, k, a, b)
        else:
            err = float(np.abs(a.astype(np.float64) - b).max() / max(np.abs(b).max(), 1e-30))
            worst = max(worst, err)
            assert err < 1e-5, (model_id, k, err)
    return worst


def var_ids():
    index = json.load(open(os.path.join(MODELS_DIR, 'index.json')))
    ids = [m['id'] for m in index['models'] if m['family'] == 'var']
    folders = sorted(d for d in os.listdir(MODELS_DIR) if d.startswith('mnist-var-'))
    assert sorted(ids) == folders, (ids, folders)
    return ids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('ids', nargs='*')
    ap.add_argument('--check-only', action='store_true', help='compare with the shipped goldens, write nothing')
    args = ap.parse_args()
    torch.set_num_threads(2)
    vq = load_vqvae()
    check_vqvae(vq)
    ids = args.ids or var_ids()
    for model_id in ids:
        var, manifest, shipped, _ = bundle_model(model_id)
        meta, settings = golden_args(manifest)
        regen = goldens.var_goldens(var, vq, meta['class'], meta['seed'], settings)
        if args.check_only:
            _, shipped_meta = safetensors_io.load(os.path.join(MODELS_DIR, model_id, 'goldens.safetensors'))
            err = compare(model_id, regen, shipped, meta, shipped_meta)
            print(f'{model_id}: the current sampler reproduces the shipped goldens (tokens exact, floats max rel err {err:.2e})')
            continue
        folder = os.path.join(MODELS_DIR, model_id)
        gmeta = export_bundle.write_goldens(folder, regen, meta)
        entry = export_bundle.file_entry(folder, 'goldens.safetensors', 'goldens')
        files = manifest['files']
        i = next(i for i, f in enumerate(files) if f['role'] == 'goldens')
        assert files[i]['path'] == entry['path']
        files[i] = entry
        manifest['goldens'] = gmeta
        export_bundle.write_manifest(folder, manifest)
        tokens = [regen[f'step{k}.tokens'].reshape(-1).tolist() for k in range(len(var.patch_nums))]
        print(f'{model_id}: wrote goldens ({entry["bytes"]} bytes, sha256 {entry["sha256"][:12]}); tokens {tokens}')


if __name__ == '__main__':
    main()
