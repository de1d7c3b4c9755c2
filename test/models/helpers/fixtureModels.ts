/**
 * A small, valid models root built in memory from docs/bundle-format.md (NOT from the validator's own tensor
 * lists, so that a mistake there shows up as a failing test): tokenizer, VAR, VAE, DiT and classifier bundles
 * with seeded random weights, plus index.json. The ONNX files are placeholder bytes: the validator checks
 * their size, checksum and declared ports, never the graph itself.
 */
import { f32ToF16Bits } from '../../../src/quant/f16.ts';
import type { Dtype, TensorKind } from '../../../src/models/bundle/index.ts';
import { phiTicks } from '../../../src/models/bundle/phi.ts';
import { makeRng, type Rng } from '../../quant/prng.ts';
import { writeSafetensors, type RawTensor } from './safetensorsWriter.ts';
import { onnxStub } from './onnxStub.ts';
import { MemoryBundleSource, sha256Sync } from './sources.ts';

type Spec = [name: string, shape: number[], kind: TensorKind];

export const FIXTURE_VAR = {
  depth: 2,
  width: 32,
  heads: 2,
  headDim: 16,
  mlpRatio: 4,
  vocabSize: 16,
  cvae: 4,
  patchNums: [1, 2, 3, 4],
};
export const FIXTURE_DIT = {
  depth: 2,
  width: 32,
  heads: 2,
  headDim: 16,
  mlpRatio: 4,
  patch: 2,
  inputSize: 4,
  inChannels: 4,
};
const DATASET = { name: 'mnist', imageSize: 32, channels: 1, range: [-1, 1], numClasses: 10, train: 9000, test: 1000 };

const lin = (p: string, out: number, inp: number): Spec[] => [
  [`${p}.weight`, [out, inp], 'linear-weight'],
  [`${p}.bias`, [out], 'linear-bias'],
];

/** VAR weight list, transcribed from the doc's "family var" section. */
function varSpecs(): Spec[] {
  const { width: C, cvae, vocabSize: V, heads: H, patchNums } = FIXTURE_VAR;
  const L = patchNums.reduce((a, p) => a + p * p, 0);
  const s: Spec[] = [
    ['pos_start', [1, 1, C], 'param'],
    ['pos_1LC', [1, L, C], 'param'],
    ...lin('word_embed', C, cvae),
    ['class_emb.weight', [11, C], 'embedding'],
    ['lvl_embed.weight', [patchNums.length, C], 'embedding'],
  ];
  for (let n = 0; n < FIXTURE_VAR.depth; n++) {
    s.push(
      [`blocks.${n}.attn.mat_qkv.weight`, [3 * C, C], 'linear-weight'],
      [`blocks.${n}.attn.q_bias`, [C], 'param'],
      [`blocks.${n}.attn.v_bias`, [C], 'param'],
      [`blocks.${n}.attn.scale_mul_1H11`, [1, H, 1, 1], 'param'],
      ...lin(`blocks.${n}.attn.proj`, C, C),
      ...lin(`blocks.${n}.ffn.fc1`, 4 * C, C),
      ...lin(`blocks.${n}.ffn.fc2`, C, 4 * C),
      ...lin(`blocks.${n}.ada_lin.1`, 6 * C, C),
    );
  }
  s.push(...lin('head_nm.ada_lin.1', 2 * C, C), ...lin('head', V, C));
  return s;
}

/** DiT weight list, transcribed from the doc's "family dit" section. */
function ditSpecs(): Spec[] {
  const { width: D, inChannels: Cin, patch: p, inputSize } = FIXTURE_DIT;
  const s: Spec[] = [
    ['x_embedder.proj.weight', [D, Cin, p, p], 'conv-weight'],
    ['x_embedder.proj.bias', [D], 'conv-bias'],
    ['pos_embed', [1, (inputSize / p) ** 2, D], 'param'],
    ...lin('t_embedder.mlp.0', D, 256),
    ...lin('t_embedder.mlp.2', D, D),
    ['y_embedder.embedding_table.weight', [11, D], 'embedding'],
  ];
  for (let n = 0; n < FIXTURE_DIT.depth; n++) {
    s.push(
      ...lin(`blocks.${n}.attn.qkv`, 3 * D, D),
      ...lin(`blocks.${n}.attn.proj`, D, D),
      ...lin(`blocks.${n}.mlp.fc1`, 4 * D, D),
      ...lin(`blocks.${n}.mlp.fc2`, D, 4 * D),
      ...lin(`blocks.${n}.adaLN_modulation.1`, 6 * D, D),
    );
  }
  s.push(...lin('final_layer.adaLN_modulation.1', 2 * D, D), ...lin('final_layer.linear', p * p * 2 * Cin, D));
  return s;
}

export function randomTensor(rng: Rng, name: string, shape: number[], dtype: Dtype): RawTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (dtype === 'F16') {
    const bits = new Uint16Array(n);
    for (let i = 0; i < n; i++) bits[i] = f32ToF16Bits(0.1 * rng.normal());
    return { name, dtype, shape, data: new Uint8Array(bits.buffer) };
  }
  if (dtype === 'F64')
    return { name, dtype, shape, data: new Uint8Array(Float64Array.from({ length: n }, () => rng.normal()).buffer) };
  if (dtype === 'I32')
    return { name, dtype, shape, data: new Uint8Array(Int32Array.from({ length: n }, () => rng.int(0, 9)).buffer) };
  return {
    name,
    dtype,
    shape,
    data: new Uint8Array(Float32Array.from({ length: n }, () => 0.1 * rng.normal()).buffer),
  };
}

const fileEntry = (path: string, role: string, bytes: Uint8Array) => ({
  path,
  role,
  bytes: bytes.byteLength,
  sha256: sha256Sync(bytes),
});

function addWeights(src: MemoryBundleSource, id: string, specs: Spec[], dtype: Dtype, rng: Rng) {
  const { bytes, index } = writeSafetensors(specs.map(([n, s]) => randomTensor(rng, n, s, dtype)));
  src.files.set(`${id}/weights.safetensors`, bytes);
  const kinds = new Map(specs.map(([n, , k]) => [n, k]));
  return {
    file: fileEntry('weights.safetensors', 'weights', bytes),
    tensors: index.map((e) => ({ ...e, kind: kinds.get(e.name)! })),
  };
}

function addGoldens(src: MemoryBundleSource, id: string, rng: Rng, specs: [string, number[], Dtype][]) {
  const { bytes } = writeSafetensors(
    specs.map(([n, s, d]) => randomTensor(rng, n, s, d)),
    { class: '3', seed: '0' },
  );
  src.files.set(`${id}/goldens.safetensors`, bytes);
  return {
    file: fileEntry('goldens.safetensors', 'goldens', bytes),
    meta: { path: 'goldens.safetensors', class: 3, seed: 0, tensors: specs.map((s) => s[0]) },
  };
}

/** A minimal ONNX graph with the declared port names (helpers/onnxStub.ts). */
function addOnnx(
  src: MemoryBundleSource,
  id: string,
  path: string,
  role: string,
  rng: Rng,
  inputs: string[],
  outputs: string[],
) {
  // Draw what the former 64 random placeholder bytes drew, so every later random tensor keeps its values.
  for (let i = 0; i < 64; i++) rng.int(0, 255);
  const bytes = onnxStub(inputs, outputs);
  src.files.set(`${id}/${path}`, bytes);
  return fileEntry(path, role, bytes);
}

function counts(tensors: { name: string; shape: number[]; kind: TensorKind }[], skipTotal: string[] = []) {
  const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);
  return {
    total: tensors.filter((t) => !skipTotal.includes(t.name)).reduce((a, t) => a + numel(t.shape), 0),
    linear: tensors.filter((t) => t.kind.startsWith('linear')).reduce((a, t) => a + numel(t.shape), 0),
  };
}

const base = (id: string, family: string, title: string) => ({
  formatVersion: 1,
  id,
  family,
  title,
  dataset: DATASET,
  metrics: null,
});

export function buildFixtureModels(seed = 1): MemoryBundleSource {
  const rng = makeRng(seed);
  const src = new MemoryBundleSource();
  const manifests: Record<string, unknown>[] = [];
  const { cvae, vocabSize, patchNums } = FIXTURE_VAR;
  const latent = patchNums[patchNums.length - 1];

  const vqSpecs: Spec[] = [['quantize.embedding.weight', [vocabSize, cvae], 'embedding']];
  for (let i = 0; i < 4; i++) {
    vqSpecs.push(
      [`quantize.quant_resi.qresi_ls.${i}.weight`, [cvae, cvae, 3, 3], 'conv-weight'],
      [`quantize.quant_resi.qresi_ls.${i}.bias`, [cvae], 'conv-bias'],
    );
  }
  const vqW = addWeights(src, 'fx-vqvae', vqSpecs, 'F32', rng);
  manifests.push({
    ...base('fx-vqvae', 'vqvae', 'Fixture tokenizer'),
    // 4 scales, 4 Phi convs: ticks 1/12, 5/12, 7/12, 11/12; scale k sits at k/3, nearest ticks 0, 1, 2, 3.
    config: {
      vocabSize,
      cvae,
      patchNums,
      latentSize: latent,
      phiCount: 4,
      phiResiRatio: 0.5,
      phiTicks: phiTicks(4),
      phiIndexPerScale: [0, 1, 2, 3],
    },
    params: { total: 5000, linear: 0 },
    requires: {},
    files: [vqW.file, addOnnx(src, 'fx-vqvae', 'decoder.onnx', 'decoder-onnx', rng, ['f_hat'], ['image'])],
    tensors: vqW.tensors,
    onnx: {
      path: 'decoder.onnx',
      opset: 17,
      inputs: [{ name: 'f_hat', shape: ['B', cvae, latent, latent] }],
      outputs: [{ name: 'image', shape: ['B', 1, 32, 32] }],
    },
  });

  const varW = addWeights(src, 'fx-var', varSpecs(), 'F16', rng);
  const L = patchNums.reduce((a, p) => a + p * p, 0);
  const varG = addGoldens(src, 'fx-var', rng, [
    ['step0.input', [2, 1, FIXTURE_VAR.width], 'F32'],
    ['step0.tokens', [1, 1], 'I32'],
    ['tf.logits', [1, L, vocabSize], 'F32'],
  ]);
  manifests.push({
    ...base('fx-var', 'var', 'Fixture VAR'),
    config: {
      ...FIXTURE_VAR,
      numTokens: L,
      firstL: 1,
      numClasses: 10,
      lnEps: 1e-6,
      attnL2Norm: true,
      maxScaleMulLog: Math.log(100),
      condDropRate: 0.1,
    },
    sampling: { cfg: 1.5, topK: 0, topP: 0, seed: 0 },
    params: counts(varW.tensors),
    requires: { tokenizer: 'fx-vqvae', classifier: 'fx-classifier' },
    files: [varW.file, varG.file],
    tensors: varW.tensors,
    goldens: varG.meta,
  });

  const { inputSize, inChannels } = FIXTURE_DIT;
  manifests.push({
    ...base('fx-vae', 'vae', 'Fixture VAE'),
    config: { latentChannels: inChannels, latentSize: inputSize, scaleFactor: 0.9 },
    params: { total: 1000, linear: 0 },
    requires: {},
    files: [addOnnx(src, 'fx-vae', 'decoder.onnx', 'decoder-onnx', rng, ['latent'], ['image'])],
    tensors: [],
    onnx: {
      path: 'decoder.onnx',
      opset: 17,
      inputs: [{ name: 'latent', shape: ['B', inChannels, inputSize, inputSize] }],
      outputs: [{ name: 'image', shape: ['B', 1, 32, 32] }],
    },
  });

  const ditW = addWeights(src, 'fx-dit', ditSpecs(), 'F16', rng);
  const ditG = addGoldens(src, 'fx-dit', rng, [
    ['tf.out', [2, 8, inputSize, inputSize], 'F32'],
    ['tf.t', [2], 'I32'],
  ]);
  manifests.push({
    ...base('fx-dit', 'dit', 'Fixture DiT'),
    config: {
      ...FIXTURE_DIT,
      outChannels: 2 * inChannels,
      learnSigma: true,
      numClasses: 10,
      freqDim: 256,
      lnEps: 1e-6,
      classDropoutProb: 0.1,
      diffusion: { betaSchedule: 'linear', betaStart: 0.0001, betaEnd: 0.02, trainSteps: 1000 },
    },
    sampling: { method: 'ddpm', steps: 50, cfg: 1.5, seed: 0 },
    params: counts(ditW.tensors, ['pos_embed']),
    requires: { vae: 'fx-vae', classifier: 'fx-classifier' },
    files: [ditW.file, ditG.file],
    tensors: ditW.tensors,
    goldens: ditG.meta,
  });

  const fd = writeSafetensors([
    randomTensor(rng, 'mu', [16], 'F64'),
    randomTensor(rng, 'sigma', [16, 16], 'F64'),
  ]).bytes;
  src.files.set('fx-classifier/fd-stats.safetensors', fd);
  manifests.push({
    ...base('fx-classifier', 'classifier', 'Fixture classifier'),
    config: { featureDim: 16, testAccuracy: 0.9, realFd: 1.5 },
    params: { total: 2000, linear: 0 },
    requires: {},
    files: [
      addOnnx(src, 'fx-classifier', 'classifier.onnx', 'classifier-onnx', rng, ['image'], ['logits', 'features']),
      fileEntry('fd-stats.safetensors', 'fd-stats', fd),
    ],
    tensors: [],
    onnx: {
      path: 'classifier.onnx',
      opset: 17,
      inputs: [{ name: 'image', shape: ['B', 1, 32, 32] }],
      outputs: [
        { name: 'logits', shape: ['B', 10] },
        { name: 'features', shape: ['B', 16] },
      ],
    },
  });

  for (const m of manifests) src.setJson(`${m.id as string}/manifest.json`, m);
  src.setJson('index.json', {
    formatVersion: 1,
    models: manifests.map((m) => ({
      id: m.id,
      family: m.family,
      manifest: `${m.id as string}/manifest.json`,
      title: m.title,
      params: m.params,
      metrics: null,
    })),
  });
  return src;
}
