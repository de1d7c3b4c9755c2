/**
 * Structural checks of manifest.json: every field the engine relies on, per family (docs/bundle-format.md).
 * File contents (sizes, checksums, tensors) are checked afterwards in validate.ts.
 */
import { BundleError } from './errors.ts';
import { FieldReader, type Json } from './fields.ts';
import { phiIndexPerScale, phiTicks } from './phi.ts';
import { checkQuantTraining } from './quantTraining.ts';
import { checkSensitivity } from './sensitivity.ts';
import { FAMILIES, FILE_ROLES, FORMAT_VERSION, TENSOR_KINDS, type Dtype, type Family, type Manifest } from './types.ts';

export const ID_PATTERN = /^[a-z0-9-]+$/;
const DTYPES: readonly Dtype[] = ['F16', 'F32', 'F64', 'I32'];
const MAX_IMAGE_SIZE = 4096;
const MAX_CLASSES = 100_000;

export function checkFormatVersion(raw: Json, file: string): void {
  if (raw.formatVersion !== FORMAT_VERSION) {
    throw new BundleError(
      'unknown-format-version',
      `formatVersion is ${JSON.stringify(raw.formatVersion)}; this app reads formatVersion ${FORMAT_VERSION}.`,
      {
        file,
        fix: 'Update the app to a version that reads this bundle format, or re-export the bundle with this repository.',
      },
    );
  }
}

/** A relative path inside the bundle folder: no absolute paths, no `..`, no backslashes. */
export function isSafeRelativePath(p: string): boolean {
  return (
    p.length > 0 &&
    !p.startsWith('/') &&
    !p.includes('\\') &&
    p.split('/').every((s) => s !== '' && s !== '..' && s !== '.')
  );
}

export function checkManifest(raw: unknown, file: string, expectedId: string): Manifest {
  const r = new FieldReader(file);
  const m = r.object(raw, 'manifest');
  checkFormatVersion(m, file);
  const id = r.str(m, 'id', 'manifest');
  r.check(ID_PATTERN.test(id), 'manifest.id', 'lower-case letters, digits and dashes', id);
  r.check(id === expectedId, 'manifest.id', `the folder name '${expectedId}'`, id);
  const family = r.oneOf(m, 'family', 'manifest', FAMILIES);
  r.str(m, 'title', 'manifest');
  const dataset = r.object(m.dataset, 'dataset');
  r.str(dataset, 'name', 'dataset');
  // No file bounds these, yet the engine allocates images (and ONNX outputs) from them: cap them at sizes the app
  // can draw, so a hostile manifest is refused here instead of crashing the tab at generation time.
  const imageSize = r.int(dataset, 'imageSize', 'dataset', 1);
  r.check(
    imageSize <= MAX_IMAGE_SIZE,
    'dataset.imageSize',
    `at most ${MAX_IMAGE_SIZE} (the largest image the app draws)`,
    imageSize,
  );
  const channels = r.int(dataset, 'channels', 'dataset', 1);
  r.check(channels <= 4, 'dataset.channels', 'at most 4 (grey, RGB or RGBA images)', channels);
  const range = r.numArray(dataset, 'range', 'dataset');
  r.check(range.length === 2 && range[0] < range[1], 'dataset.range', '[low, high] with low < high', range);
  const numClasses = r.int(dataset, 'numClasses', 'dataset', 1);
  r.check(numClasses <= MAX_CLASSES, 'dataset.numClasses', `at most ${MAX_CLASSES}`, numClasses);
  const params = r.object(m.params, 'params');
  r.int(params, 'total', 'params');
  r.int(params, 'linear', 'params');
  const requires = r.object(m.requires, 'requires');
  for (const [k, v] of Object.entries(requires))
    r.check(typeof v === 'string' && ID_PATTERN.test(v), `requires.${k}`, 'a bundle id', v);
  checkFiles(r, m);
  checkTensorIndex(r, m);
  if (m.onnx !== undefined) checkOnnx(r, r.object(m.onnx, 'onnx'));
  if (m.goldens !== undefined) {
    const g = r.object(m.goldens, 'goldens');
    r.str(g, 'path', 'goldens');
    r.array(g, 'tensors', 'goldens').forEach((t, i) =>
      r.check(typeof t === 'string', `goldens.tensors[${i}]`, 'a tensor name', t),
    );
  }
  if (m.metrics !== null && m.metrics !== undefined) r.object(m.metrics, 'metrics');
  if (m.quantTraining !== undefined) checkQuantTraining(r, m.quantTraining, 'quantTraining');
  if (m.sensitivity !== undefined) checkSensitivity(r, m.sensitivity, 'sensitivity', m.tensors as unknown[]);
  const config = r.object(m.config, 'config');
  CONFIG_CHECKS[family](r, config, m);
  return m as unknown as Manifest;
}

function checkFiles(r: FieldReader, m: Json): void {
  const seen = new Set<string>();
  r.array(m, 'files', 'manifest').forEach((f, i) => {
    const e = r.object(f, `files[${i}]`);
    const path = r.str(e, 'path', `files[${i}]`);
    r.check(isSafeRelativePath(path), `files[${i}].path`, 'a path inside the bundle folder', path);
    r.check(!seen.has(path), `files[${i}].path`, 'listed once', path);
    seen.add(path);
    r.oneOf(e, 'role', `files[${i}]`, FILE_ROLES);
    r.int(e, 'bytes', `files[${i}]`);
    const sha = r.str(e, 'sha256', `files[${i}]`);
    r.check(/^[0-9a-f]{64}$/.test(sha), `files[${i}].sha256`, '64 lower-case hex digits', sha);
  });
}

function checkTensorIndex(r: FieldReader, m: Json): void {
  const seen = new Set<string>();
  r.array(m, 'tensors', 'manifest').forEach((t, i) => {
    const p = `tensors[${i}]`;
    const e = r.object(t, p);
    const name = r.str(e, 'name', p);
    r.check(!seen.has(name), `${p}.name`, 'a name listed once', name);
    seen.add(name);
    r.oneOf(e, 'dtype', p, DTYPES);
    r.intArray(e, 'shape', p);
    r.int(e, 'byteOffset', p);
    r.int(e, 'byteLength', p);
    r.oneOf(e, 'kind', p, TENSOR_KINDS);
  });
}

function checkOnnx(r: FieldReader, o: Json): void {
  r.str(o, 'path', 'onnx');
  r.int(o, 'opset', 'onnx', 1);
  for (const side of ['inputs', 'outputs'] as const) {
    r.array(o, side, 'onnx').forEach((p, i) => {
      const port = r.object(p, `onnx.${side}[${i}]`);
      r.str(port, 'name', `onnx.${side}[${i}]`);
      const shape = r.array(port, 'shape', `onnx.${side}[${i}]`);
      shape.forEach((d, j) =>
        r.check(
          d === 'B' || (Number.isSafeInteger(d) && (d as number) > 0),
          `onnx.${side}[${i}].shape[${j}]`,
          "a positive integer or 'B'",
          d,
        ),
      );
    });
  }
}

function checkPatchNums(r: FieldReader, c: Json): number[] {
  const pns = r.intArray(c, 'patchNums', 'config', 1);
  r.check(pns.length >= 2, 'config.patchNums', 'at least two scales', pns);
  pns.forEach((pn, i) =>
    r.check(i === 0 || pn > pns[i - 1], `config.patchNums[${i}]`, 'larger than the scale before', pn),
  );
  return pns;
}

function checkTransformerWidth(r: FieldReader, c: Json): void {
  const width = r.int(c, 'width', 'config', 1);
  const heads = r.int(c, 'heads', 'config', 1);
  const headDim = r.int(c, 'headDim', 'config', 1);
  r.check(width === heads * headDim, 'config.width', `heads * headDim = ${heads * headDim}`, width);
  r.int(c, 'depth', 'config', 1);
  r.check(r.num(c, 'mlpRatio', 'config') > 0, 'config.mlpRatio', 'positive', c.mlpRatio);
  r.check(r.num(c, 'lnEps', 'config') > 0, 'config.lnEps', 'positive', c.lnEps);
}

function checkVarConfig(r: FieldReader, c: Json, m: Json): void {
  checkTransformerWidth(r, c);
  r.int(c, 'vocabSize', 'config', 2);
  r.int(c, 'cvae', 'config', 1);
  const pns = checkPatchNums(r, c);
  const L = pns.reduce((a, pn) => a + pn * pn, 0);
  r.check(
    r.int(c, 'numTokens', 'config', 1) === L,
    'config.numTokens',
    `the sum of patchNums squared (${L})`,
    c.numTokens,
  );
  r.check(
    r.int(c, 'firstL', 'config', 1) === pns[0] ** 2,
    'config.firstL',
    `patchNums[0] squared (${pns[0] ** 2})`,
    c.firstL,
  );
  checkNumClasses(r, c, m);
  // The engine implements only the L2-normalised attention of the released VAR models.
  r.check(
    r.bool(c, 'attnL2Norm', 'config'),
    'config.attnL2Norm',
    'true (the only attention the engine implements)',
    c.attnL2Norm,
  );
  r.num(c, 'maxScaleMulLog', 'config');
  const s = r.object(m.sampling, 'sampling');
  r.num(s, 'cfg', 'sampling');
  r.int(s, 'topK', 'sampling');
  const topP = r.num(s, 'topP', 'sampling');
  r.check(topP >= 0 && topP <= 1, 'sampling.topP', 'in [0, 1]', topP);
  r.int(s, 'seed', 'sampling');
}

function checkDitConfig(r: FieldReader, c: Json, m: Json): void {
  checkTransformerWidth(r, c);
  const patch = r.int(c, 'patch', 'config', 1);
  const size = r.int(c, 'inputSize', 'config', 1);
  r.check(size % patch === 0, 'config.inputSize', `a multiple of patch (${patch})`, size);
  const cin = r.int(c, 'inChannels', 'config', 1);
  const sigma = r.bool(c, 'learnSigma', 'config');
  const cout = sigma ? 2 * cin : cin;
  r.check(
    r.int(c, 'outChannels', 'config', 1) === cout,
    'config.outChannels',
    `${cout} (learnSigma ${sigma})`,
    c.outChannels,
  );
  checkNumClasses(r, c, m);
  const freq = r.int(c, 'freqDim', 'config', 2);
  r.check(freq % 2 === 0, 'config.freqDim', 'even (cos and sin halves)', freq);
  const d = r.object(c.diffusion, 'config.diffusion');
  r.oneOf(d, 'betaSchedule', 'config.diffusion', ['linear'] as const);
  r.num(d, 'betaStart', 'config.diffusion');
  r.num(d, 'betaEnd', 'config.diffusion');
  const trainSteps = r.int(d, 'trainSteps', 'config.diffusion', 2);
  const s = r.object(m.sampling, 'sampling');
  r.oneOf(s, 'method', 'sampling', ['ddpm', 'ddim'] as const);
  const steps = r.int(s, 'steps', 'sampling', 1);
  r.check(steps <= trainSteps, 'sampling.steps', `at most trainSteps (${trainSteps})`, steps);
  r.num(s, 'cfg', 'sampling');
  r.int(s, 'seed', 'sampling');
  // Official-model options (docs/official-models.md); absent in our bundles, whose rule is the default.
  if (s.guidanceChannels !== undefined) {
    const g = r.int(s, 'guidanceChannels', 'sampling', 1);
    r.check(g <= cin, 'sampling.guidanceChannels', `at most inChannels (${cin})`, g);
  }
  if (s.ddimSpacing !== undefined) r.oneOf(s, 'ddimSpacing', 'sampling', ['uniform', 'ddimN'] as const);
}

function checkNumClasses(r: FieldReader, c: Json, m: Json): void {
  const n = r.int(c, 'numClasses', 'config', 1);
  const ds = (m.dataset as Json).numClasses;
  r.check(n === ds, 'config.numClasses', `dataset.numClasses (${String(ds)})`, n);
}

function checkVqvaeConfig(r: FieldReader, c: Json): void {
  r.int(c, 'vocabSize', 'config', 2);
  r.int(c, 'cvae', 'config', 1);
  const pns = checkPatchNums(r, c);
  const last = pns[pns.length - 1];
  r.check(
    r.int(c, 'latentSize', 'config', 1) === last,
    'config.latentSize',
    `the last patchNum (${last})`,
    c.latentSize,
  );
  const n = r.int(c, 'phiCount', 'config', 1);
  r.num(c, 'phiResiRatio', 'config');
  const ticks = r.numArray(c, 'phiTicks', 'config');
  r.check(ticks.length === n, 'config.phiTicks', `${n} ticks (phiCount)`, ticks);
  // The ticks decide ties between convs, so they must be numpy's linspace to the last bit (phi.ts).
  const wantTicks = phiTicks(n);
  r.check(
    ticks.every((t, i) => t === wantTicks[i]),
    'config.phiTicks',
    `numpy.linspace's ${JSON.stringify(wantTicks)}`,
    ticks,
  );
  const want = phiIndexPerScale(pns.length, n);
  const got = r.intArray(c, 'phiIndexPerScale', 'config');
  r.check(
    got.length === want.length && got.every((v, i) => v === want[i]),
    'config.phiIndexPerScale',
    JSON.stringify(want),
    got,
  );
}

function checkVaeConfig(r: FieldReader, c: Json): void {
  r.int(c, 'latentChannels', 'config', 1);
  r.int(c, 'latentSize', 'config', 1);
  r.check(r.num(c, 'scaleFactor', 'config') > 0, 'config.scaleFactor', 'positive', c.scaleFactor);
}

function checkClassifierConfig(r: FieldReader, c: Json): void {
  r.int(c, 'featureDim', 'config', 1);
  r.num(c, 'testAccuracy', 'config');
  r.num(c, 'realFd', 'config');
}

const CONFIG_CHECKS: Record<Family, (r: FieldReader, c: Json, m: Json) => void> = {
  var: checkVarConfig,
  dit: checkDitConfig,
  vqvae: checkVqvaeConfig,
  vae: checkVaeConfig,
  classifier: checkClassifierConfig,
};
