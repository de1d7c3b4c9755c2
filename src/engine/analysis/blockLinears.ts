/** The Linear layers inside a generator's transformer blocks, by block and kind, for either family. */
import type { LinearSpec } from '../../models/runtime/layers';
import { varLinearSpecs } from '../../models/var/varConfig';
import { ditLinearSpecs } from '../../models/dit/ditConfig';
import type { GeneratorBundle } from '../generation/bundleStore';
import { requireAnalysis } from './errors';

export function linearSpecs(bundle: GeneratorBundle): LinearSpec[] {
  const m = bundle.manifest;
  return m.family === 'var' ? varLinearSpecs(m.config) : ditLinearSpecs(m.config);
}

/** The spec of block `block`'s Linear of `kind` (qkv, proj, fc1, fc2, adaLN). */
export function blockLinear(bundle: GeneratorBundle, block: number, kind: LinearSpec['kind']): LinearSpec {
  const depth = bundle.manifest.config.depth;
  requireAnalysis(
    Number.isInteger(block) && block >= 0 && block < depth,
    `block ${block} is outside 0..${depth - 1} of ${bundle.manifest.id}.`,
    `Pick a block from 0 to ${depth - 1}.`,
  );
  const spec = linearSpecs(bundle).find((s) => s.kind === kind && s.name.startsWith(`blocks.${block}.`));
  requireAnalysis(
    spec !== undefined,
    `${bundle.manifest.id} block ${block} has no ${kind} Linear.`,
    'Pick qkv, proj, fc1, fc2 or adaLN.',
  );
  return spec;
}
