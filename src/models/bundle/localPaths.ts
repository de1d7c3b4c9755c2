/**
 * Manifests travel with their bundles (shared by URL, dropped into someone else's browser), so none may record
 * the exporting machine's absolute paths: they leak its directory layout and user name, and mean nothing
 * elsewhere. The exporters write file names only (export_bundle.portable_command); this check keeps it so.
 */
import { BundleError } from './errors.ts';

/** An absolute path token: `/dir/...`, `~/...` or `C:\...` after a start, space, `=` or quote (URLs are not: `https://` has `:` before `//`). */
const ABSOLUTE_PATH = /(?:^|[\s="'(])(\/[^\s/]+\/|~\/|[A-Za-z]:\\)/;

/** [JSON path, value] of every string (keys included) in `value` that holds an absolute local path. */
export function localPathsIn(value: unknown, at = ''): [string, string][] {
  if (typeof value === 'string') return ABSOLUTE_PATH.test(value) ? [[at || '(root)', value]] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => localPathsIn(v, `${at}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => {
      const path = at ? `${at}.${k}` : k;
      return [...(ABSOLUTE_PATH.test(k) ? ([[path, k]] as [string, string][]) : []), ...localPathsIn(v, path)];
    });
  }
  return [];
}

export function checkNoLocalPaths(raw: unknown, file: string): void {
  const found = localPathsIn(raw);
  if (found.length === 0) return;
  const [field, value] = found[0];
  const shown = value.length > 120 ? `${value.slice(0, 117)}...` : value;
  throw new BundleError(
    'bad-manifest',
    `${field} records an absolute local path (${JSON.stringify(shown)})${found.length > 1 ? ` and ${found.length - 1} more` : ''}; a shared manifest must not carry the exporting machine's paths.`,
    {
      file,
      fix: 'Export again with the current training/export_bundle.py or training/convert_official.py (they record file names only), or replace the path with the file name in the manifest.',
    },
  );
}
