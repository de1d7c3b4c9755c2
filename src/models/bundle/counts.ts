/**
 * Counts in a manifest's config that size lists the validator builds (config.depth: ~15 expected tensors per
 * block; config.phiCount: 2 per Phi conv) are bounded by what the weights hold BEFORE anything is built from
 * them: a hostile or mistyped `depth: 1e6` would otherwise allocate gigabytes of expected-tensor objects before
 * the first comparison. The other counts (width, heads, vocabSize, patchNums, numClasses, ...) only enter the
 * expected shapes, which are compared with the file's shapes without allocating anything of their size.
 *
 * When the config and the weights disagree on a count, the config is what is wrong or stale (the weights carry
 * the trained model), so the error names the manifest field, not a tensor of the weights.
 */
import { BundleError } from './errors.ts';
import type { Manifest } from './types.ts';

/** The distinct N of tensors named `${prefix}.N.*`: bounded by the number of tensors, whatever N says. */
export function heldGroups(names: Iterable<string>, prefix: string): number[] {
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)\\.`);
  const seen = new Set<number>();
  for (const name of names) {
    const match = re.exec(name);
    if (match) seen.add(Number(match[1]));
  }
  return [...seen].sort((a, b) => a - b);
}

function checkCount(
  field: string,
  value: number,
  groups: number[],
  prefix: string,
  what: string,
  weightsFile: string,
  manifestFile: string,
): void {
  if (value === groups.length) return;
  const held =
    groups.length === 0
      ? `no ${prefix}.N.* tensors`
      : `${groups.length} ${what} (${prefix}.${groups[0]} .. ${prefix}.${groups[groups.length - 1]})`;
  throw new BundleError('bad-manifest', `field '${field}' is ${value}, but ${weightsFile} holds ${held}.`, {
    file: manifestFile,
    fix: `Set ${field} to the number of ${what} the weights hold (${groups.length}), or re-export the bundle (python3 training/export_bundle.py, or training/convert_official.py for official checkpoints).`,
  });
}

/** Run after the manifest's tensor index has been checked against the weights header (same names). */
export function checkCountsAgainstWeights(m: Manifest, weightsFile: string, manifestFile: string): void {
  const names = m.tensors.map((t) => t.name);
  if (m.family === 'var' || m.family === 'dit') {
    checkCount(
      'config.depth',
      m.config.depth,
      heldGroups(names, 'blocks'),
      'blocks',
      'blocks',
      weightsFile,
      manifestFile,
    );
  } else if (m.family === 'vqvae') {
    const prefix = 'quantize.quant_resi.qresi_ls';
    checkCount(
      'config.phiCount',
      m.config.phiCount,
      heldGroups(names, prefix),
      prefix,
      'Phi convs',
      weightsFile,
      manifestFile,
    );
  }
}
