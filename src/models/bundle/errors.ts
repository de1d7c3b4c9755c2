/**
 * The one error type of bundle loading. Bundles come from a training pipeline and a converter that both evolve,
 * so every failure must say which file (and tensor) is wrong, what was expected versus found, and what to do:
 * the message surfaces in the app's error panel and in CI logs, where "invalid model" would be useless.
 */
import { AppError } from '../../util/errors';

export type BundleErrorCode =
  /** The server (or folder) has no such file: HTTP 404/410, or a static host's HTML fallback page. */
  | 'missing-file'
  /** The request failed before any answer: offline, DNS, server down, or a cross-origin answer without CORS headers. */
  | 'network-error'
  /** The server answered with an error status other than 404 (403, 500, ...). */
  | 'http-error'
  /** A safetensors file whose header or byte layout is malformed (entry not an object, overlapping tensors, gaps). */
  | 'bad-safetensors'
  /** A file that is not of the type its role says (an HTML page saved as decoder.onnx, a PNG that is not one). */
  | 'wrong-file-type'
  | 'bad-json'
  | 'unknown-format-version'
  | 'wrong-shape'
  | 'dtype-mismatch'
  | 'truncated'
  | 'checksum-mismatch'
  | 'nan-weights'
  | 'missing-tensor'
  | 'bad-manifest';

export interface BundleErrorDetails {
  /** Path of the file the problem is in, relative to the models root (e.g. `mnist-var-d3/weights.safetensors`). */
  readonly file: string;
  /** The tensor concerned, when there is one. */
  readonly tensor?: string;
  /** One sentence: what the user or the exporter should do about it. */
  readonly fix: string;
}

export class BundleError extends AppError<BundleErrorCode> {
  override readonly name = 'BundleError';
  readonly file: string;
  readonly tensor: string | undefined;

  constructor(code: BundleErrorCode, problem: string, details: BundleErrorDetails) {
    const where = details.tensor ? `${details.file}, tensor '${details.tensor}'` : details.file;
    super(code, `${where}: ${problem}`, details.fix, `${where}: ${problem} Fix: ${details.fix}`);
    this.file = details.file;
    this.tensor = details.tensor;
  }
}

/** The fix for anything produced by our pipeline that does not match the format: re-export it. */
export const REEXPORT_FIX =
  'Re-export the bundle (python3 training/export_bundle.py, or training/convert_official.py for official checkpoints) and check it against docs/bundle-format.md.';
