"""Writes model bundles into public/models/<id>/ (+ public/models/index.json); format: docs/bundle-format.md.

python3 training/export_bundle.py            (every model with a checkpoint in training/runs/)
The export_* functions take a state dict + config so that a converter of official checkpoints can reuse them."""
import argparse
import hashlib
import json
import math
import os
import re
import shutil
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
import goldens  # noqa: E402
import mixed_precision  # noqa: E402
import safetensors_io  # noqa: E402
import zoo  # noqa: E402
from common import RUNS_DIR, TRAINING_DIR  # noqa: E402
from data import load_split  # noqa: E402
from models.dit import param_counts as dit_params  # noqa: E402
from models.var import param_counts as var_params  # noqa: E402
from models.vae import ScaledLatentDecoder  # noqa: E402
from models.vqvae import FhatDecoder, phi_index, phi_ticks  # noqa: E402

ROOT = os.path.dirname(TRAINING_DIR)
MODELS_DIR = os.path.join(ROOT, 'public', 'models')
DATASET = {'name': 'mnist', 'imageSize': 32, 'channels': 1, 'range': [-1, 1], 'numClasses': 10,
           'train': 60000, 'test': 10000}
GOLDEN_CLASS, GOLDEN_SEED = 3, 0
IDS = {'vqvae': 'mnist-vqvae', 'vae': 'mnist-vae', 'classifier': 'mnist-classifier'}
VAR_SKIP = ('lvl_1L', 'attn_bias_for_masking', 'zero_k_bias')  # derived from patchNums, not shipped


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        h.update(f.read())
    return h.hexdigest()


def file_entry(folder, name, role):
    p = os.path.join(folder, name)
    return {'path': name, 'role': role, 'bytes': os.path.getsize(p), 'sha256': sha256(p)}


def tensor_kinds(model):
    """name -> kind (linear-weight, linear-bias, embedding, conv-weight, conv-bias, param) from module types."""
    kinds = {}
    for mname, m in model.named_modules():
        prefix = mname + '.' if mname else ''
        if isinstance(m, nn.Linear):
            kinds[prefix + 'weight'] = 'linear-weight'
            kinds[prefix + 'bias'] = 'linear-bias'
        elif isinstance(m, nn.Embedding):
            kinds[prefix + 'weight'] = 'embedding'
        elif isinstance(m, nn.Conv2d):
            kinds[prefix + 'weight'] = 'conv-weight'
            kinds[prefix + 'bias'] = 'conv-bias'
    return kinds


def write_weights(folder, state, kinds, dtype):
    arrays = {k: v.detach().cpu().numpy().astype(dtype) for k, v in state.items()}
    index = safetensors_io.save(os.path.join(folder, 'weights.safetensors'), arrays)
    for e in index:
        e['kind'] = kinds.get(e['name'], 'param')
    return index


def write_goldens(folder, tensors, meta):
    safetensors_io.save(os.path.join(folder, 'goldens.safetensors'), tensors, meta)
    return {'path': 'goldens.safetensors', **meta, 'tensors': list(tensors)}


def portable_command(command):
    """A command line as a manifest may record it: each absolute or home-relative path argument (a checkpoint, an
    --out folder) reduced to its last name. Manifests travel with their bundles (shared by URL, uploaded), so they
    must not carry the exporting machine's directory layout or user name; repo-relative paths stay as they are."""
    if command is None:
        return None

    def clean(token):
        if token.startswith('--') and '=' in token:
            flag, value = token.split('=', 1)
            return f'{flag}={clean(value)}'
        if token.startswith(('/', '~', '\\')) or re.match(r'^[A-Za-z]:[\\/]', token):
            return os.path.basename(os.path.normpath(token.replace('\\', '/'))) or token
        return token
    return ' '.join(clean(t) for t in command.split(' '))


def training_entry(info, log_name, notes='fixed-step run (docs/model-zoo.md); EMA weights for the generators'):
    keys = ('steps', 'batch', 'images', 'lr', 'ema', 'schedule', 'minutes')
    return {'command': portable_command(info.get('command')), 'log': f'training/logs/{log_name}.log', 'notes': notes,
            **{k: info[k] for k in keys if k in info}, **({'reproduce': info['reproduce']} if 'reproduce' in info else {})}


def copy_samples(folder, name, files):
    src = os.path.join(TRAINING_DIR, 'samples', f'{name}.png')
    if os.path.exists(src):
        shutil.copy(src, os.path.join(folder, 'samples.png'))
        files.append(file_entry(folder, 'samples.png', 'samples-png'))


def write_manifest(folder, manifest):
    with open(os.path.join(folder, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
    return manifest


def export_var(model_id, var, vq, train_info, metrics=None, sampling=None, title=None, log_name=None, sensitivity=None):
    """var: a VAR module holding the shipped (fp16-rounded) weights; vq: the tokenizer module."""
    folder = os.path.join(MODELS_DIR, model_id)
    os.makedirs(folder, exist_ok=True)
    sampling = dict(sampling or zoo.VAR_SAMPLING)
    state = {k: v for k, v in var.state_dict().items() if k.split('.')[-1] not in VAR_SKIP}
    index = write_weights(folder, state, tensor_kinds(var), np.float16)
    files = [file_entry(folder, 'weights.safetensors', 'weights')]
    g = goldens.var_goldens(var, vq, GOLDEN_CLASS, GOLDEN_SEED, sampling)
    gmeta = write_goldens(folder, g, {'class': GOLDEN_CLASS, 'seed': GOLDEN_SEED, 'cfg': sampling['cfg'],
                                      'topK': sampling['topK'], 'topP': sampling['topP']})
    files.append(file_entry(folder, 'goldens.safetensors', 'goldens'))
    copy_samples(folder, log_name or model_id, files)
    config = {'depth': var.depth, 'width': var.C, 'heads': var.H, 'headDim': var.C // var.H, 'mlpRatio': 4,
              'vocabSize': var.V, 'cvae': var.Cvae, 'patchNums': list(var.patch_nums), 'numTokens': var.L,
              'firstL': var.first_l, 'numClasses': var.num_classes, 'lnEps': 1e-6, 'attnL2Norm': True,
              'maxScaleMulLog': math.log(100), 'condDropRate': 0.1}
    return write_manifest(folder, {
        'formatVersion': 1, 'id': model_id, 'family': 'var', 'title': title or f'VAR d{var.depth} (MNIST)',
        'dataset': DATASET, 'config': config, 'sampling': sampling, 'params': var_params(var),
        'requires': {'tokenizer': IDS['vqvae'], 'classifier': IDS['classifier']}, 'files': files,
        'tensors': index, 'goldens': gmeta, 'training': training_entry(train_info, log_name or model_id),
        'metrics': metrics, **({'sensitivity': sensitivity} if sensitivity else {})})


def export_dit(model_id, dit, vae, train_info, metrics=None, sampling=None, title=None, log_name=None, sensitivity=None):
    folder = os.path.join(MODELS_DIR, model_id)
    os.makedirs(folder, exist_ok=True)
    sampling = dict(sampling or zoo.DIT_SAMPLING)
    index = write_weights(folder, dit.state_dict(), tensor_kinds(dit), np.float16)
    files = [file_entry(folder, 'weights.safetensors', 'weights')]
    g = goldens.dit_goldens(dit, vae, GOLDEN_CLASS, GOLDEN_SEED, sampling)
    gmeta = write_goldens(folder, g, {'class': GOLDEN_CLASS, 'seed': GOLDEN_SEED, 'cfg': sampling['cfg'],
                                      'steps': sampling['steps']})
    files.append(file_entry(folder, 'goldens.safetensors', 'goldens'))
    copy_samples(folder, log_name or model_id, files)
    config = {'depth': dit.depth, 'width': dit.width, 'heads': dit.heads, 'headDim': dit.width // dit.heads,
              'mlpRatio': 4, 'patch': dit.patch, 'inputSize': dit.input_size, 'inChannels': dit.in_channels,
              'outChannels': dit.out_channels, 'learnSigma': True, 'numClasses': dit.num_classes, 'freqDim': 256,
              'lnEps': 1e-6, 'classDropoutProb': 0.1,
              'diffusion': {'betaSchedule': 'linear', 'betaStart': 0.0001, 'betaEnd': 0.02, 'trainSteps': 1000}}
    return write_manifest(folder, {
        'formatVersion': 1, 'id': model_id, 'family': 'dit', 'title': title or f'DiT d{dit.depth} (MNIST)',
        'dataset': DATASET, 'config': config, 'sampling': sampling, 'params': dit_params(dit),
        'requires': {'vae': IDS['vae'], 'classifier': IDS['classifier']}, 'files': files, 'tensors': index,
        'goldens': gmeta, 'training': training_entry(train_info, log_name or model_id), 'metrics': metrics,
        **({'sensitivity': sensitivity} if sensitivity else {})})


def export_onnx(module, folder, name, inputs, input_names, output_names):
    torch.onnx.export(module, inputs, os.path.join(folder, name), opset_version=17, input_names=input_names,
                      output_names=output_names, dynamic_axes={n: {0: 'B'} for n in input_names + output_names})


def shipped_params(*modules):
    """Parameters of the modules a bundle ships (each counted once)."""
    seen = {id(p): p.numel() for m in modules for p in m.parameters()}
    return sum(seen.values())


def onnx_entry(name, inputs, outputs):
    return {'path': name, 'opset': 17, 'inputs': [{'name': n, 'shape': s} for n, s in inputs],
            'outputs': [{'name': n, 'shape': s} for n, s in outputs]}


def export_vqvae(vq, train_info):
    folder = os.path.join(MODELS_DIR, IDS['vqvae'])
    os.makedirs(folder, exist_ok=True)
    q = vq.quantize
    state = {k: v for k, v in vq.state_dict().items() if k.startswith('quantize.')}
    index = write_weights(folder, state, tensor_kinds(vq), np.float32)
    H, C, K = q.patch_nums[-1], q.Cvae, len(q.patch_nums)
    export_onnx(FhatDecoder(vq).eval(), folder, 'decoder.onnx', (torch.randn(1, C, H, H),), ['f_hat'], ['image'])
    x, _ = load_split('test')
    gmeta = write_goldens(folder, goldens.vqvae_goldens(vq, x[GOLDEN_CLASS * 100:GOLDEN_CLASS * 100 + 1]),
                          {'class': GOLDEN_CLASS, 'testIndex': GOLDEN_CLASS * 100})
    files = [file_entry(folder, n, r) for n, r in (('weights.safetensors', 'weights'), ('decoder.onnx', 'decoder-onnx'),
                                                   ('goldens.safetensors', 'goldens'))]
    n = len(q.quant_resi.qresi_ls)
    config = {'vocabSize': q.vocab_size, 'cvae': C, 'patchNums': list(q.patch_nums), 'latentSize': H,
              'phiCount': n, 'phiResiRatio': 0.5, 'phiTicks': [float(t) for t in phi_ticks(n)],
              'phiIndexPerScale': [phi_index(k, K, n) for k in range(K)],
              'testMse': train_info.get('test_mse'), 'testCodesUsed': train_info.get('test_codes_used')}
    return write_manifest(folder, {
        'formatVersion': 1, 'id': IDS['vqvae'], 'family': 'vqvae', 'title': 'Multi-scale VQ-VAE tokenizer (MNIST)',
        # What ships: the quantiser's codebook and phi convs (weights.safetensors) and post_quant_conv + decoder
        # (decoder.onnx); the encoder stays behind, so it is not counted.
        'dataset': DATASET, 'config': config,
        'params': {'total': shipped_params(vq.quantize, vq.post_quant_conv, vq.decoder), 'linear': 0},
        'requires': {}, 'files': files, 'tensors': index, 'goldens': gmeta,
        'onnx': onnx_entry('decoder.onnx', [('f_hat', ['B', C, H, H])], [('image', ['B', 1, 32, 32])]),
        'training': training_entry(train_info, 'vqvae'), 'metrics': None})


def export_vae(vae, train_info):
    folder = os.path.join(MODELS_DIR, IDS['vae'])
    os.makedirs(folder, exist_ok=True)
    export_onnx(ScaledLatentDecoder(vae).eval(), folder, 'decoder.onnx', (torch.randn(1, 4, 8, 8),), ['latent'], ['image'])
    index = write_weights(folder, {'latent_shift': vae.latent_shift, 'scale_factor': vae.scale_factor}, {}, np.float32)
    config = {'latentChannels': 4, 'latentSize': 8, 'scaleFactor': vae.scale_factor.item(),
              'testMse': train_info.get('test_mse')}
    return write_manifest(folder, {
        'formatVersion': 1, 'id': IDS['vae'], 'family': 'vae', 'title': 'KL-VAE latent decoder (MNIST)',
        # What ships: the decoder (decoder.onnx) and the latent shift/scale buffers; not the encoder.
        'dataset': DATASET, 'config': config, 'params': {'total': shipped_params(vae.decoder), 'linear': 0},
        'requires': {}, 'files': [file_entry(folder, n, r) for n, r in (('decoder.onnx', 'decoder-onnx'),
                                                                        ('weights.safetensors', 'weights'))],
        'tensors': index,
        'onnx': onnx_entry('decoder.onnx', [('latent', ['B', 4, 8, 8])], [('image', ['B', 1, 32, 32])]),
        'training': training_entry(train_info, 'vae'), 'metrics': None})


def export_classifier(clf, train_info, ref, test_acc, floor):
    folder = os.path.join(MODELS_DIR, IDS['classifier'])
    os.makedirs(folder, exist_ok=True)
    export_onnx(clf, folder, 'classifier.onnx', (torch.randn(1, 1, 32, 32),), ['image'], ['logits', 'features'])
    safetensors_io.save(os.path.join(folder, 'fd-stats.safetensors'),
                        {'mu': np.asarray(ref.mu, np.float64), 'sigma': np.asarray(ref.sigma, np.float64)})
    # KID's reference: the test split's features (f16) and the mean off-diagonal kernel value of exactly those
    # f16 values (f64), so that the engine's KID uses one consistent reference.
    shipped = ref.features.astype(np.float16)  # evaluate.reference() already scores KID on these values
    k_yy = ref.k_yy
    safetensors_io.save(os.path.join(folder, 'kid-reference.safetensors'),
                        {'features': shipped, 'kYY': np.asarray([k_yy], np.float64)})
    mu = ref.mu
    x, y = load_split('test')
    pick = torch.tensor([int(np.flatnonzero(y.numpy() == c)[7]) for c in range(10)])  # one test digit per class
    with torch.no_grad():
        logits, feats = clf(x[pick])
    gmeta = write_goldens(folder, {'image': x[pick].numpy(), 'label': y[pick].numpy().astype(np.int32),
                                   'logits': logits.numpy(), 'features': feats.numpy()}, {'testIndices': pick.tolist()})
    files = [file_entry(folder, 'classifier.onnx', 'classifier-onnx'), file_entry(folder, 'fd-stats.safetensors', 'fd-stats'),
             file_entry(folder, 'kid-reference.safetensors', 'kid-reference'), file_entry(folder, 'goldens.safetensors', 'goldens')]
    return write_manifest(folder, {
        'formatVersion': 1, 'id': IDS['classifier'], 'family': 'classifier', 'title': 'MNIST classifier (accuracy, FD)',
        'dataset': DATASET, 'config': {'featureDim': len(mu), 'testAccuracy': test_acc, 'realFd': floor['fd'],
                   'realKid': floor['kid'], 'realFloorSamples': floor['samples']},
        'params': {'total': sum(p.numel() for p in clf.parameters()), 'linear': 0}, 'requires': {}, 'files': files,
        'tensors': [], 'goldens': gmeta, 'onnx': onnx_entry('classifier.onnx', [('image', ['B', 1, 32, 32])],
                                          [('logits', ['B', 10]), ('features', ['B', len(mu)])]),
        'training': training_entry(train_info, 'classifier'), 'metrics': None})


def write_index(manifests):
    entries = [{'id': m['id'], 'family': m['family'], 'manifest': f"{m['id']}/manifest.json", 'title': m['title'],
                'params': m['params'], 'metrics': m.get('metrics')} for m in manifests]
    with open(os.path.join(MODELS_DIR, 'index.json'), 'w') as f:
        json.dump({'formatVersion': 1, 'models': entries}, f, indent=2)


def main():
    import evaluate
    ap = argparse.ArgumentParser()
    ap.parse_args()
    torch.set_num_threads(2)
    results = json.load(open(evaluate.RESULTS)) if os.path.exists(evaluate.RESULTS) else {}
    clf, clf_ck = zoo.load_classifier()
    ref, acc = evaluate.reference(clf)
    floor = results.get('realDataFloor') or evaluate.ceilings(clf, ref, evaluate.SAMPLES)['realDataFloor']
    manifests = [export_classifier(clf, clf_ck['info'], ref, acc, floor)]
    vq, vq_ck = zoo.load_vqvae()
    manifests.append(export_vqvae(vq, vq_ck['info']))
    vae, vae_ck = zoo.load_vae()
    manifests.append(export_vae(vae, vae_ck['info']))
    for kind in ('var', 'dit'):
        for d in (1, 2, 3, 4):
            name = f'{kind}-d{d}'
            if not evaluate.trained(name):
                continue
            res = results.get(name)
            if kind == 'var':
                var, ck = zoo.load_var(d)
                m = export_var(f'mnist-{name}', var, vq, ck['info'], res, res and res['settings'], log_name=name,
                               sensitivity=mixed_precision.zoo_table(name))
            else:
                dit, ck = zoo.load_dit(d)
                m = export_dit(f'mnist-{name}', dit, vae, ck['info'], res, res and res['settings'], log_name=name,
                               sensitivity=mixed_precision.zoo_table(name))
            manifests.append(m)
            print(f'exported mnist-{name}', flush=True)
    write_index(manifests)


if __name__ == '__main__':
    main()
