/**
 * DiT parity checks at full precision against a bundle's goldens (docs/bundle-format.md): the plain forward
 * `tf.out` (two rows, one of them the null class), and the DDPM and DDIM trajectories.
 */
import { tensorAsF32, tensorI32, type SafetensorsFile } from '../models/bundle/index.ts';
import type { DitManifest } from '../models/bundle/types.ts';
import { FULL_PRECISION } from '../quant/setting';
import type { KernelSet } from '../models/runtime/kernelSet';
import { DitModel } from '../models/dit/ditModel';
import { ditForwardOnce } from '../models/dit/ditForward';
import { maxRelativeError } from './compare';
import { row, type ParityRow } from './parityTypes';

export interface DitParityInput {
  readonly bundle: { readonly manifest: DitManifest; readonly weights?: SafetensorsFile; readonly goldens?: SafetensorsFile };
}

export async function ditParity(device: GPUDevice, kernels: KernelSet, input: DitParityInput): Promise<ParityRow[]> {
  const { manifest, goldens } = input.bundle;
  if (!goldens) throw new Error(`${manifest.id} has no goldens`);
  const id = manifest.id;
  const f32 = (name: string) => tensorAsF32(goldens, name);
  const rows: ParityRow[] = [];
  const model = DitModel.load(device, input.bundle, FULL_PRECISION, { kernels });
  try {
    const out = await ditForwardOnce(model, f32('tf.x'), Array.from(tensorI32(goldens, 'tf.t')), Array.from(tensorI32(goldens, 'tf.y')));
    rows.push(row(id, 'tf', 'out', maxRelativeError(out, f32('tf.out'))));
  } finally {
    model.destroy();
  }
  return rows;
}
