// Runs every exported ONNX graph with onnxruntime-web (wasm, in Node) on inputs from the bundles' goldens
// and compares with the PyTorch outputs stored there. Usage: node training/check_onnx.mjs
// Exits 1 if any max abs difference exceeds the tolerance.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;
const MODELS = new URL('../public/models/', import.meta.url);
const TOL = 1e-3;

function readSafetensors(path) {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  const out = {};
  for (const [name, h] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [b, e] = h.data_offsets;
    const bytes = buf.subarray(8 + n + b, 8 + n + e);
    const copy = new Uint8Array(bytes).buffer; // aligned copy
    const Arr = { F32: Float32Array, F64: Float64Array, I32: Int32Array }[h.dtype];
    if (Arr) out[name] = { data: new Arr(copy), shape: h.shape };
  }
  return out;
}

async function run(onnxPath, feeds) {
  const session = await ort.InferenceSession.create(onnxPath, { executionProviders: ['wasm'] });
  const t = {};
  for (const [k, v] of Object.entries(feeds)) t[k] = new ort.Tensor('float32', v.data, v.shape);
  return session.run(t);
}

function maxDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const index = JSON.parse(readFileSync(new URL('index.json', MODELS), 'utf8'));
let failed = false;
const report = (what, d) => {
  console.log(`${what}: max |onnx - torch| = ${d.toExponential(2)}`);
  if (!(d <= TOL)) failed = true;
};
const path = (id, f) => new URL(`${id}/${f}`, MODELS).pathname;

const cg = readSafetensors(path('mnist-classifier', 'goldens.safetensors'));
const co = await run(path('mnist-classifier', 'classifier.onnx'), { image: cg.image });
report('classifier logits', maxDiff(co.logits.data, cg.logits.data));
report('classifier features', maxDiff(co.features.data, cg.features.data));

const vg = readSafetensors(path('mnist-vqvae', 'goldens.safetensors'));
const vo = await run(path('mnist-vqvae', 'decoder.onnx'), { f_hat: vg.f_hat });
report('vqvae decoder', maxDiff(vo.image.data, vg.image_out.data));

for (const m of index.models.filter((e) => e.family === 'var' || e.family === 'dit')) {
  const g = readSafetensors(path(m.id, 'goldens.safetensors'));
  if (m.family === 'var') {
    const last = Object.keys(g).filter((k) => /^step\d+\.f_hat$/.test(k)).sort((a, b) => parseInt(a.slice(4)) - parseInt(b.slice(4))).pop();
    const o = await run(path('mnist-vqvae', 'decoder.onnx'), { f_hat: g[last] });
    report(`${m.id} image via vqvae decoder`, maxDiff(o.image.data, g.image.data));
  } else {
    const o = await run(path('mnist-vae', 'decoder.onnx'), { latent: g.latent });
    report(`${m.id} image via vae decoder`, maxDiff(o.image.data, g.image.data));
  }
}
process.exit(failed ? 1 : 0);
