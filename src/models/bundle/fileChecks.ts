/**
 * Whole-file checks: each listed file exists, has the stated size and sha256, and every family has the files
 * its engine path needs. A wrong size is reported before the checksum so that a partial download or copy
 * reads as 'truncated' rather than as a vague checksum failure.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { BundleError, REEXPORT_FIX } from './errors.ts';
import { checkOnnxFile, checkPngFile } from './fileTypes.ts';
import type { Family, FileEntry, FileRole, Manifest } from './types.ts';

/** Every listed file's sha256 is checked: with WebCrypto where the page has it, else in JavaScript (@noble/hashes). */
export type ChecksumStatus = 'verified';

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
    if (!m.files.some((f) => f.role === role))
      fail(`a ${m.family} bundle needs a file with role '${role}' in 'files'; there is none.`);
  }
  const roleOf = (path: string): FileRole | undefined => m.files.find((f) => f.path === path)?.role;
  const onnxRole = ONNX_ROLE[m.family];
  if (onnxRole) {
    if (!m.onnx) fail(`a ${m.family} bundle needs an 'onnx' entry describing its graph.`);
    else if (roleOf(m.onnx.path) !== onnxRole)
      fail(`onnx.path '${m.onnx.path}' is not a file with role '${onnxRole}'.`);
  }
  if (m.goldens && roleOf(m.goldens.path) !== 'goldens')
    fail(`goldens.path '${m.goldens.path}' is not a file with role 'goldens'.`);
  if ((m.family === 'var' || m.family === 'dit') && !m.goldens) fail(`a ${m.family} bundle needs a 'goldens' entry.`);
  const hasWeights = m.files.some((f) => f.role === 'weights');
  if (!hasWeights && m.tensors.length > 0)
    fail(`'tensors' lists ${m.tensors.length} tensors but there is no weights file.`);
}

export function hasWebCrypto(): boolean {
  return typeof globalThis.crypto?.subtle?.digest === 'function';
}

const hex = (digest: Uint8Array): string => Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * crypto.subtle exists in Node and in secure browser contexts (https, localhost) only: on a plain-http LAN
 * address it does not, and a bundle from there would go unchecked. The pure-JS hash (@noble/hashes, audited,
 * no dependencies) is slower (~100-300 MB/s) but gives the same digest, so the check never depends on how the
 * page was served.
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  if (hasWebCrypto()) {
    try {
      return hex(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)));
    } catch {
      // Some engines refuse very large or shared buffers: hash in JavaScript instead.
    }
  }
  return hex(sha256(bytes));
}

/** Size then checksum. A wrong size is reported first, so a partial download reads as 'truncated'. */
export async function checkFileBytes(entry: FileEntry, bytes: Uint8Array, file: string): Promise<ChecksumStatus> {
  if (bytes.byteLength < entry.bytes) {
    throw new BundleError('truncated', `the file has ${bytes.byteLength} bytes, the manifest says ${entry.bytes}.`, {
      file,
      fix: 'The file was cut short (interrupted download, copy or export): download, copy or export it again.',
    });
  }
  if (bytes.byteLength > entry.bytes) {
    throw new BundleError(
      'checksum-mismatch',
      `the file has ${bytes.byteLength} bytes, the manifest says ${entry.bytes}: it is not the file the manifest describes.`,
      { file, fix: REEXPORT_FIX },
    );
  }
  const found = await sha256Hex(bytes);
  if (found !== entry.sha256) {
    throw new BundleError('checksum-mismatch', `sha256 is ${found}, the manifest says ${entry.sha256}.`, {
      file,
      fix: 'The file changed after export (corrupted or replaced): export or copy the bundle again.',
    });
  }
  checkFileType(entry, bytes, file);
  return 'verified';
}

/** ONNX graphs and PNG images must be what their role says (safetensors files are parsed in full later). */
export function checkFileType(entry: FileEntry, bytes: Uint8Array, file: string): void {
  if (entry.role === 'decoder-onnx' || entry.role === 'classifier-onnx' || entry.path.endsWith('.onnx'))
    checkOnnxFile(bytes, file);
  else if (entry.role === 'samples-png' || entry.path.endsWith('.png')) checkPngFile(bytes, file);
}
