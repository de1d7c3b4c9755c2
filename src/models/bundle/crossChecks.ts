/**
 * Checks that need more than one bundle or more than one manifest section: the bundles named in `requires`
 * exist and fit (a VAR must use its tokenizer's codebook and scales, a DiT its VAE's latent shape), and the
 * declared ONNX ports match the config, since the engine allocates its tensors from those shapes.
 */
import { BundleError, REEXPORT_FIX } from './errors.ts';
import { parseJson } from './fields.ts';
import { checkManifest } from './manifest.ts';
import type { BundleSource } from './source.ts';
import type { BundleIndex, Family, Manifest, OnnxPort } from './types.ts';

/** Which family each `requires` role must point at; the first roles listed per family are mandatory. */
const ROLE_FAMILY: Readonly<Record<string, Family>> = { tokenizer: 'vqvae', vae: 'vae', classifier: 'classifier' };
const MANDATORY_ROLES: Readonly<Partial<Record<Family, string>>> = { var: 'tokenizer', dit: 'vae' };

type Shape = readonly (number | 'B')[];

function expectedPorts(m: Manifest): { inputs: [string, Shape][]; outputs: [string, Shape][] } | undefined {
  const image: [string, Shape] = ['image', ['B', m.dataset.channels, m.dataset.imageSize, m.dataset.imageSize]];
  switch (m.family) {
    case 'vqvae': {
      const c = m.config;
      return { inputs: [['f_hat', ['B', c.cvae, c.latentSize, c.latentSize]]], outputs: [image] };
    }
    case 'vae': {
      const c = m.config;
      return { inputs: [['latent', ['B', c.latentChannels, c.latentSize, c.latentSize]]], outputs: [image] };
    }
    case 'classifier':
      return {
        inputs: [image],
        outputs: [
          ['logits', ['B', m.dataset.numClasses]],
          ['features', ['B', m.config.featureDim]],
        ],
      };
    default:
      return undefined;
  }
}

export function checkOnnxPorts(m: Manifest, file: string): void {
  const want = expectedPorts(m);
  if (!want || !m.onnx) return;
  const compare = (side: 'inputs' | 'outputs', expected: [string, Shape][], got: readonly OnnxPort[]): void => {
    const show = (ports: readonly (readonly [string, Shape])[]): string =>
      ports.map(([n, s]) => `${n} [${s.join(', ')}]`).join(', ');
    const gotPairs = got.map((p) => [p.name, p.shape] as const);
    const same =
      expected.length === got.length &&
      expected.every(
        ([n, s], i) =>
          got[i].name === n && got[i].shape.length === s.length && s.every((d, j) => got[i].shape[j] === d),
      );
    if (!same) {
      throw new BundleError(
        'wrong-shape',
        `onnx.${side} should be ${show(expected)} (from config and dataset), found ${show(gotPairs)}.`,
        {
          file,
          tensor: expected[0]?.[0],
          fix: REEXPORT_FIX,
        },
      );
    }
  };
  compare('inputs', want.inputs, m.onnx.inputs);
  compare('outputs', want.outputs, m.onnx.outputs);
}

export async function checkRequiredBundles(
  source: BundleSource,
  m: Manifest,
  index: BundleIndex,
  file: string,
): Promise<void> {
  const error = (code: 'bad-manifest' | 'wrong-shape', problem: string, fix = REEXPORT_FIX): BundleError =>
    new BundleError(code, problem, { file, fix });
  const mandatory = MANDATORY_ROLES[m.family];
  if (mandatory && !m.requires[mandatory])
    throw error('bad-manifest', `a ${m.family} bundle must name its ${mandatory} in 'requires'.`);
  for (const [role, id] of Object.entries(m.requires)) {
    const entry = index.models.find((e) => e.id === id);
    if (!entry) {
      throw error(
        'bad-manifest',
        `requires.${role} is '${id}', which is not in index.json.`,
        `Export the '${id}' bundle too, or fix requires.${role}.`,
      );
    }
    const family = ROLE_FAMILY[role];
    if (family && entry.family !== family)
      throw error(
        'bad-manifest',
        `requires.${role} is '${id}', a ${entry.family} bundle; it must be a ${family} bundle.`,
      );
  }
  if (m.family === 'var') {
    const tok = await readRequired(source, m.requires.tokenizer);
    if (tok.family === 'vqvae') {
      const a = m.config;
      const b = tok.config;
      if (a.vocabSize !== b.vocabSize || a.cvae !== b.cvae || a.patchNums.join() !== b.patchNums.join()) {
        throw error(
          'wrong-shape',
          `the VAR config (vocabSize ${a.vocabSize}, cvae ${a.cvae}, patchNums [${a.patchNums}]) does not fit tokenizer '${tok.id}' (vocabSize ${b.vocabSize}, cvae ${b.cvae}, patchNums [${b.patchNums}]).`,
          'Point requires.tokenizer at the tokenizer this VAR was trained with.',
        );
      }
    }
  }
  if (m.family === 'dit') {
    const vae = await readRequired(source, m.requires.vae);
    if (
      vae.family === 'vae' &&
      (vae.config.latentChannels !== m.config.inChannels || vae.config.latentSize !== m.config.inputSize)
    ) {
      throw error(
        'wrong-shape',
        `the DiT input (${m.config.inChannels} channels, ${m.config.inputSize}x${m.config.inputSize}) does not fit VAE '${vae.id}' latents (${vae.config.latentChannels} channels, ${vae.config.latentSize}x${vae.config.latentSize}).`,
        'Point requires.vae at the VAE this DiT was trained with.',
      );
    }
  }
}

async function readRequired(source: BundleSource, id: string): Promise<Manifest> {
  const path = `${id}/manifest.json`;
  return checkManifest(parseJson(await source.readText(path), path), path, id);
}
