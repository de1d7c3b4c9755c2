/**
 * One plain DiT forward from CPU arrays (no CFG): what the parity checks compare with the golden `tf.out`, and
 * what a calibration or an inspection tool needs. The sampler keeps everything on the GPU instead.
 */
import { Workspace } from '../runtime/workspace';
import { readF32, uploadWords } from '../../gpu/buffers';
import { requireArgument } from '../runtime/errors';
import type { DitModel } from './ditModel';

/** x [S, Cin, H, W], timesteps and labels [S] -> [S, outChannels, H, W]. */
export async function ditForwardOnce(
  model: DitModel,
  x: Float32Array,
  timesteps: readonly number[],
  labels: readonly number[],
): Promise<Float32Array> {
  const S = labels.length;
  const { outChannels, inputSize } = model.config;
  requireArgument(
    S > 0 && timesteps.length === S && x.length === S * model.latentElements,
    'ditForwardOnce',
    `x has ${x.length} values for ${S} labels and ${timesteps.length} timesteps`,
    'Pass x [S, Cin, H, W] with one timestep and one label per row.',
  );
  const { device } = model;
  const ws = new Workspace(device, 'DitForward');
  const xBuffer = uploadWords(device, 'DitForward.x', x);
  const tBuffer = uploadWords(device, 'DitForward.t', Float32Array.from(timesteps));
  try {
    const outElements = S * outChannels * inputSize ** 2;
    ws.reserve({ ...model.workspaceNeeds(S), modelOut: outElements });
    const encoder = device.createCommandEncoder({ label: 'DitForward.encoder' });
    model.encodeForward(encoder, ws, { x: xBuffer, t: tBuffer, labels, out: ws.get('modelOut') });
    device.queue.submit([encoder.finish()]);
    return await readF32(device, ws.get('modelOut'), 0, outElements);
  } finally {
    ws.destroy();
    xBuffer.destroy();
    tBuffer.destroy();
  }
}
