import { describe, expect, it } from 'vitest';
import { serializeError } from '../../src/worker/protocol';
import { ModelError } from '../../src/models/runtime/errors';
import { BundleError } from '../../src/models/bundle/errors';
import { GpuError } from '../../src/gpu/errors';
import { GenerationError } from '../../src/engine/generation/errors';

// The error panel prints `message` and then `fix`: a message that already ends with the fix shows it twice.
describe('serializeError', () => {
  const cases = [
    new ModelError('memory-over-budget', 'mnist-var-d3 at fp32 needs 900 MB.', 'Choose W8g128.'),
    new GenerationError('model-not-found', 'No model "x".', 'Pick a model from the list.'),
    new BundleError('missing-tensor', 'no tensor head.weight.', {
      file: 'm/weights.safetensors',
      fix: 'Re-export the bundle.',
    }),
    new GpuError('device-lost', 'The GPU device was lost.', 'Press "Restart GPU".'),
  ];
  for (const error of cases) {
    it(`${error.name}: message and fix once each`, () => {
      const s = serializeError(error);
      expect(s.code).toBe(error.code);
      expect(s.fix).toBe(error.fix);
      expect(s.message.length).toBeGreaterThan(0);
      expect(s.message).not.toContain(error.fix);
      // Logs and test output that show only the thrown error's message still say what to do (GpuError has
      // always kept its message to the problem).
      if (!(error instanceof GpuError)) expect(error.message).toContain(error.fix);
    });
  }

  it('names the file of a bundle error in the message', () => {
    const s = serializeError(
      new BundleError('missing-tensor', 'no tensor head.weight.', {
        file: 'm/weights.safetensors',
        tensor: 'head.weight',
        fix: 'Re-export.',
      }),
    );
    expect(s.message).toBe("m/weights.safetensors, tensor 'head.weight': no tensor head.weight.");
  });

  it('keeps a plain error as it is', () => {
    expect(serializeError(new Error('boom'))).toEqual({
      name: 'Error',
      code: 'internal',
      message: 'boom',
      fix: undefined,
    });
  });
});
