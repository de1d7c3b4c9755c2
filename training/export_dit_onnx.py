"""Exports each shipped DiT bundle's forward (x, t, y) -> model output as an ONNX graph for the end-to-end
bench (bench/README.md): onnxruntime-web runs it on the same GPUDevice as our WGSL DiT, so the two can be timed
against each other on the same inputs.

    /usr/bin/python3 training/export_dit_onnx.py                 # every base dit bundle in public/models/index.json
    /usr/bin/python3 training/export_dit_onnx.py mnist-dit-d2    # just these

Writes tools/bench/graphs/<model>-forward.onnx (opset 17). The weights are the bundle's own (F16 in the file, upcast to
f32 exactly as the engine and the goldens do), not a training checkpoint, so the graph is the model the browser
runs. Inputs have the batch the sampler uses with classifier-free guidance (2 rows: cond and null class), fixed:
x [2, Cin, H, W] f32, t [2] f32 (original timesteps 0..999), y [2] int32 (class, numClasses = null class);
output out [2, 2Cin, H, W].

Checks, each printed as a max abs error, failing the export (exit 1) over 1e-4:
- PyTorch on the bundle weights against the bundle's golden plain forward (tf.x, tf.t, tf.y -> tf.out);
- the written graph, run by onnxruntime-web (wasm, in Node, the same package the app uses), against PyTorch on
  the same inputs. Python has no ONNX runtime here (python3-onnx 1.12 has no reference evaluator).
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_io  # noqa: E402
import models.dit as dit_module  # noqa: E402
from models.dit import DiT  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS_DIR = os.path.join(ROOT, 'public', 'models')
OUT_DIR = os.path.join(ROOT, 'tools', 'bench', 'graphs')  # a developer tool's input: never in the app's dist/
TOLERANCE = 1e-4
CFG_BATCH = 2

# Runs one graph with onnxruntime-web's wasm backend in Node; inputs and outputs as JSON on stdin / stdout.
ORT_RUNNER = r"""
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
ort.env.wasm.numThreads = 1;
const req = JSON.parse(readFileSync(0, 'utf8'));
const session = await ort.InferenceSession.create(req.path, { executionProviders: ['wasm'] });
const feeds = {
  x: new ort.Tensor('float32', Float32Array.from(req.x), req.xShape),
  t: new ort.Tensor('float32', Float32Array.from(req.t), [req.t.length]),
  y: new ort.Tensor('int32', Int32Array.from(req.y), [req.y.length]),
};
const out = (await session.run(feeds)).out;
process.stdout.write(JSON.stringify({ dims: out.dims, data: Array.from(out.data) }));
"""


class DitForward(torch.nn.Module):
    """The plain forward with the graph's port names; y arrives as int32 (WebGPU-friendly) and is widened here."""

    def __init__(self, dit):
        super().__init__()
        self.dit = dit

    def forward(self, x, t, y):
        return self.dit(x, t, y.long())


class _LayerNormWithExplicitAffine:
    """torch.nn.functional, except that layer_norm passes weight 1 and bias 0 explicitly: torch 1.13 exports an
    affine-free LayerNorm at opset 17 as a LayerNormalization node with an empty scale input, which the ONNX
    checker rejects. Numerically the same function."""

    def __getattr__(self, name):
        return getattr(torch.nn.functional, name)

    @staticmethod
    def layer_norm(x, shape, weight=None, bias=None, eps=1e-5):
        weight = torch.ones(shape, dtype=x.dtype) if weight is None else weight
        bias = torch.zeros(shape, dtype=x.dtype) if bias is None else bias
        return torch.nn.functional.layer_norm(x, shape, weight, bias, eps)


def load_bundle_dit(model_id):
    with open(os.path.join(MODELS_DIR, model_id, 'manifest.json')) as f:
        manifest = json.load(f)
    c = manifest['config']
    dit = DiT(depth=c['depth'], width=c['width'], heads=c['heads'], input_size=c['inputSize'], patch=c['patch'],
              in_channels=c['inChannels'], num_classes=c['numClasses'], class_dropout_prob=0.0, learn_sigma=True)
    weights, _ = safetensors_io.load(os.path.join(MODELS_DIR, model_id, 'weights.safetensors'))
    state = {k: torch.from_numpy(np.asarray(v, dtype=np.float32).copy()) for k, v in weights.items()}
    dit.load_state_dict(state, strict=True)
    return dit.eval(), manifest


def golden_inputs(model_id):
    g, _ = safetensors_io.load(os.path.join(MODELS_DIR, model_id, 'goldens.safetensors'))
    x = torch.from_numpy(np.array(g['tf.x'], dtype=np.float32))
    t = torch.from_numpy(np.array(g['tf.t'], dtype=np.float32))
    y = torch.from_numpy(np.array(g['tf.y'], dtype=np.int32))
    if x.shape[0] != CFG_BATCH:
        raise SystemExit(f'{model_id}: golden tf.x has batch {x.shape[0]}, the graph is exported for {CFG_BATCH}')
    return x, t, y, np.array(g['tf.out'], dtype=np.float32)


def run_ort(path, x, t, y):
    request = {'path': path, 'x': x.flatten().tolist(), 'xShape': list(x.shape), 't': t.tolist(), 'y': y.tolist()}
    done = subprocess.run(['node', '--input-type=module', '-e', ORT_RUNNER], input=json.dumps(request), cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f'onnxruntime-web (node) failed on {path}:\n{done.stderr}')
    out = json.loads(done.stdout)
    return np.array(out['data'], dtype=np.float32).reshape(out['dims'])


def export(model_id):
    dit, manifest = load_bundle_dit(model_id)
    x, t, y, golden = golden_inputs(model_id)
    module = DitForward(dit).eval()
    with torch.no_grad():
        torch_out = module(x, t, y).numpy()
    path = os.path.join(OUT_DIR, f'{model_id}-forward.onnx')
    dit_module.F = _LayerNormWithExplicitAffine()
    try:
        torch.onnx.export(module, (x, t, y), path, opset_version=17, input_names=['x', 't', 'y'], output_names=['out'])
    finally:
        dit_module.F = torch.nn.functional
    ort_out = run_ort(path, x.numpy(), t.numpy(), y.numpy())
    torch_vs_golden = float(np.abs(torch_out - golden).max())
    onnx_vs_torch = float(np.abs(ort_out - torch_out).max())
    print(f'{model_id}: {os.path.relpath(path, ROOT)} ({os.path.getsize(path)} bytes, {manifest["params"]["total"]} params); '
          f'max |torch - golden tf.out| = {torch_vs_golden:.2e}, max |onnx - torch| = {onnx_vs_torch:.2e} '
          f'(max |out| {np.abs(torch_out).max():.3f})')
    return torch_vs_golden <= TOLERANCE and onnx_vs_torch <= TOLERANCE


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('models', nargs='*', help='dit bundle ids (default: every dit bundle in index.json that is not a '
                        'quantisation-trained student: the bench compares the base models)')
    args = parser.parse_args()
    torch.set_num_threads(1)
    with open(os.path.join(MODELS_DIR, 'index.json')) as f:
        ids = args.models or [m['id'] for m in json.load(f)['models'] if m['family'] == 'dit' and not m.get('quantTraining')]
    os.makedirs(OUT_DIR, exist_ok=True)
    ok = [export(model_id) for model_id in ids]
    if not all(ok):
        print(f'FAILED: an error is over {TOLERANCE}', file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
