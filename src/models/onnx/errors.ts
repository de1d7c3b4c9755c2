/**
 * Errors of the onnxruntime layer. The message names the bundle and the graph, says what went wrong and ends
 * with `fix` (what to do), like BundleError and ModelError: these surface in the app's error panel.
 */
import { AppError } from '../../util/errors';

export type OnnxErrorCode =
  | 'bundle-mismatch'
  | 'load-failed'
  | 'graph-mismatch'
  | 'input-invalid'
  | 'run-failed'
  | 'device-not-shared'
  | 'output-not-on-gpu'
  | 'disposed';

export class OnnxError extends AppError<OnnxErrorCode> {
  override readonly name = 'OnnxError';
  /** The bundle whose graph this is, e.g. `mnist-vqvae`. */
  readonly bundleId: string;
  constructor(code: OnnxErrorCode, bundleId: string, problem: string, fix: string) {
    super(code, `${bundleId}: ${problem}`, fix, `${bundleId}: ${problem} Fix: ${fix}`);
    this.bundleId = bundleId;
  }
}

export const REEXPORT_GRAPH_FIX =
  'Re-export the bundle (python3 training/export_bundle.py) so that its ONNX graph and manifest agree with docs/bundle-format.md, then reload.';

export function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
