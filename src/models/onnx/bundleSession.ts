/** An OnnxSession for a validated bundle's graph, after checking that the bundle is of the wanted family. */
import type { Family, ValidatedBundle } from '../bundle/index.ts';
import { OnnxError, REEXPORT_GRAPH_FIX } from './errors';
import { OnnxSession } from './onnxSession';

/** What each family's graph is used for, for messages. */
const PURPOSE: Partial<Record<Family, string>> = {
  vqvae: "VAR's tokenizer decoder (requires.tokenizer of a var bundle)",
  vae: "DiT's latent decoder (requires.vae of a dit bundle)",
  classifier: 'the MNIST classifier (requires.classifier)',
};

export async function createBundleSession(
  device: GPUDevice,
  bundle: ValidatedBundle,
  family: Family,
): Promise<OnnxSession> {
  const m = bundle.manifest;
  if (m.family !== family) {
    throw new OnnxError(
      'bundle-mismatch',
      m.id,
      `is a ${m.family} bundle, but ${PURPOSE[family] ?? family} needs a ${family} bundle.`,
      `Pass the ${family} bundle named in the generator's manifest 'requires'.`,
    );
  }
  const graph = m.onnx ? bundle.files.get(m.onnx.path) : undefined;
  if (!m.onnx || !graph) {
    throw new OnnxError(
      'bundle-mismatch',
      m.id,
      `has no ONNX graph${m.onnx ? ` (${m.onnx.path} is not among its files)` : " (no 'onnx' entry in its manifest)"}.`,
      REEXPORT_GRAPH_FIX,
    );
  }
  return OnnxSession.create(device, { bundleId: m.id, graph, info: m.onnx });
}
