/**
 * Whole-file checks: each listed file exists, has the stated size and sha256, and every family has the files
 * its engine path needs. A wrong size is reported before the checksum so that a partial download or copy
 * reads as 'truncated' rather than as a vague checksum failure.
 */
import { BundleError, REEXPORT_FIX } from './errors.ts';
import type { Family, FileEntry, FileRole, Manifest } from './types.ts';

export type ChecksumStatus = 'verified' | 'skipped-no-webcrypto';

const REQUIRED_ROLES: Readonly<Record<Family, readonly FileRole[]>> = {
  var: ['weights', 'goldens'],
  dit: ['weights', 'goldens'],
  vqvae: ['weights', 'decoder-onnx'],
  vae: ['decoder-onnx'],
  classifier: ['classifier-onnx', 'fd-stats'],
};

const ONNX_ROLE: Readonly<Partial<Record<Family, FileRole>>> = {
  vqvae: 'decoder-onnx',
  vae: 'decoder-onnx',
  classifier: 'classifier-onnx',
};

/** Checks that the files the family needs are listed and that `onnx.path` / `goldens.path` point at them. */
export function checkFileRoles(m: Manifest, manifestFile: string): void {
  const fail = (problem: string): never => {
    throw new BundleError('bad-manifest', problem, { file: manifestFile, fix: REEXPORT_FIX });
  };
  for (const role of REQUIRED_ROLES[m.family]) {
    if (!m.files.some((f) => f.role === role)) fail(`a ${m.family} bundle needs a file with role '${role}' in 'files'; there is none.`);
  }
  const roleOf = (path: string): FileRole | undefined => m.files.find((f) => f.path === path)?.role;
  const onnxRole = ONNX_ROLE[m.family];
  if (onnxRole) {
    if (!m.onnx) fail(`a ${m.family} bundle needs an 'onnx' entry describing its graph.`);
    else if (roleOf(m.onnx.path) !== onnxRole) fail(`onnx.path '${m.onnx.path}' is not a file with role '${onnxRole}'.`);
  }
  if (m.goldens && roleOf(m.goldens.path) !== 'goldens') fail(`goldens.path '${m.goldens.path}' is not a file with role 'goldens'.`);
  if ((m.family === 'var' || m.family === 'dit') && !m.goldens) fail(`a ${m.family} bundle needs a 'goldens' entry.`);
  const hasWeights = m.files.some((f) => f.role === 'weights');
  if (!hasWeights && m.tensors.length > 0) fail(`'tensors' lists ${m.tensors.length} tensors but there is no weights file.`);
}

export function hasWebCrypto(): boolean {
  return typeof globalThis.crypto?.subtle?.digest === 'function';
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Size then checksum. crypto.subtle exists in Node and in secure browser contexts (https, localhost); on a
 * plain-http LAN address it does not, and the checksum step is skipped and reported as such, never faked.
 */
export async function checkFileBytes(entry: FileEntry, bytes: Uint8Array, file: string): Promise<ChecksumStatus> {
  if (bytes.byteLength < entry.bytes) {
    throw new BundleError('truncated', `the file has ${bytes.byteLength} bytes, the manifest says ${entry.bytes}.`, {
      file,
      fix: 'The file was cut short (interrupted download, copy or export): export or copy it again.',
    });
  }
  if (bytes.byteLength > entry.bytes) {
    throw new BundleError(
      'checksum-mismatch',
      `the file has ${bytes.byteLength} bytes, the manifest says ${entry.bytes}: it is not the file the manifest describes.`,
      { file, fix: REEXPORT_FIX },
    );
  }
  if (!hasWebCrypto()) return 'skipped-no-webcrypto';
  const found = await sha256Hex(bytes);
  if (found !== entry.sha256) {
    throw new BundleError('checksum-mismatch', `sha256 is ${found}, the manifest says ${entry.sha256}.`, {
      file,
      fix: 'The file changed after export (corrupted or replaced): export or copy the bundle again.',
    });
  }
  return 'verified';
}
