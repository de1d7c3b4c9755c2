/**
 * The teacher-forced VAR pass (docs/bundle-format.md, "Forward"): logits for all L tokens of each label given
 * the [L-1, Cvae] teacher-forcing maps, under the block-causal mask, no CFG. Used by parity tests and by
 * distillation-style comparisons of a quantised model with its full-precision teacher.
 */
import { Workspace } from '../runtime/workspace';
import { readF32, writeWords } from '../../gpu/buffers';
import { requireArgument } from '../runtime/errors';
import type { VarModel } from './varModel';

/** labels [B]; inputs [B, L-1, Cvae] -> logits [B, L, V]. */
export async function varTeacherForcedLogits(
  model: VarModel,
  labels: readonly number[],
  inputs: Float32Array,
): Promise<Float32Array> {
  const { numTokens: L, cvae, width: C, vocabSize: V } = model.config;
  const B = labels.length;
  requireArgument(B > 0, 'varTeacherForcedLogits', 'no labels given', 'Pass at least one label.');
  requireArgument(
    inputs.length === B * (L - 1) * cvae,
    'varTeacherForcedLogits',
    `inputs hold ${inputs.length} values, expected B*(L-1)*Cvae = ${B * (L - 1) * cvae}`,
    'Pass the [B, L-1, Cvae] teacher-forcing maps.',
  );
  const device = model.device;
  const ws = new Workspace(device, 'VarTeacherForced');
  try {
    ws.reserve({ ...model.workspaceNeeds(B, B * L), tfInput: inputs.length, embed: B * (L - 1) * C });
    writeWords(device, ws.get('tfInput'), 0, inputs);
    const encoder = device.createCommandEncoder({ label: 'VarTeacherForced.encoder' });
    const cond = model.encodeConditioning(encoder, ws, labels);
    const first = model.firstTokenInput(cond, B);
    const x = ws.get('x');
    const embed = ws.get('embed');
    model.encodeWordEmbed(
      encoder,
      ws,
      ws.get('tfInput'),
      { buffer: embed, offset: 0, size: B * (L - 1) * C * 4 },
      B * (L - 1),
    );
    for (let s = 0; s < B; s++) {
      writeWords(device, x, s * L * C * 4, first, s * C, C);
      encoder.copyBufferToBuffer(embed, s * (L - 1) * C * 4, x, (s * L + 1) * C * 4, (L - 1) * C * 4);
      model.encodeAddLevelPos(encoder, x, s * L + 1, 1, L - 1, 1);
    }
    model.encodeTransformer(encoder, ws, { samples: B, tokens: L, position: 0, masked: true });
    device.queue.submit([encoder.finish()]);
    return await readF32(device, ws.get('logits'), 0, B * L * V);
  } finally {
    ws.destroy();
  }
}
