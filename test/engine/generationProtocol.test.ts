/** The model methods across the typed worker protocol (client <-> host through structured clone). */
import { parseSetting } from '../../src/quant/setting';
import { describe, expect, it } from 'vitest';
import { EngineClient, type WorkerLike } from '../../src/worker/engineClient';
import { EngineHost, type Handlers } from '../../src/worker/engineHost';
import { EngineError, type GenerateResult, type RequestMessage, type ResponseMessage } from '../../src/worker/protocol';
import { BundleError } from '../../src/models/bundle/errors';

function connect(handlers: Partial<Handlers>) {
  const listeners: ((e: MessageEvent<ResponseMessage>) => void)[] = [];
  const host = new EngineHost(
    (m) => queueMicrotask(() => listeners.forEach((l) => l({ data: structuredClone(m) } as MessageEvent))),
    handlers as Handlers,
  );
  const worker: WorkerLike = {
    postMessage: (m: RequestMessage) => queueMicrotask(() => host.receive(structuredClone(m))),
    addEventListener: (_t, l) => listeners.push(l),
  };
  return new EngineClient(worker);
}

const memory = { linearParams: 4, weightBytes: 16, idealWeightBytes: 16, bitsPerWeight: 32 };
const result: GenerateResult = {
  modelId: 'm',
  family: 'dit',
  classLabel: 3,
  seed: 1,
  cfg: 4,
  stepCount: 2,
  sampler: 'ddpm',
  outputKind: 'latent',
  outputShape: [1, 4, 8, 8],
  notes: ['raw'],
  reference: { setting: parseSetting('fp32'), output: Float32Array.of(1, 2), memory, ms: 1 },
  runs: [
    {
      setting: parseSetting('W4g32-A8'),
      output: Float32Array.of(1, 2.5),
      memory,
      ms: 2,
      outputRelL2: 0.2236,
      psnr: Infinity,
      steps: [{ kind: 'dit', step: 0, progress: 0.5, timestep: 999, xRelL2: 0.1, epsRelL2: 0.2 }],
    },
  ],
  refused: [
    {
      setting: parseSetting('W4g32-A8-tg4'),
      code: 'setting-unsupported',
      message: 'W4g32-A8-tg4: refused.',
      fix: 'Drop -tg<k>.',
    },
  ],
};

describe('model methods over the worker protocol', () => {
  it('generate: params arrive intact, Float32Array outputs and Infinity survive the clone, progress flows', async () => {
    let seen: unknown;
    const client = connect({
      generate: async (params, run) => {
        seen = params;
        run.progress(0.5, 'fp32: step 1 of 2');
        return result;
      },
    });
    const progress: string[] = [];
    const params = {
      modelId: 'm',
      settings: [parseSetting('W4g32-A8')],
      classLabel: 3,
      seed: 1,
      steps: 2,
      sampler: 'ddpm' as const,
    };
    const got = await client.call('generate', params, { onProgress: (_f, m) => progress.push(m) });
    expect(seen).toEqual(params);
    expect(progress).toEqual(['fp32: step 1 of 2']);
    expect(got.runs[0].output).toBeInstanceOf(Float32Array);
    expect(Array.from(got.runs[0].output)).toEqual([1, 2.5]);
    expect(got.runs[0].psnr).toBe(Infinity);
    expect(got.runs[0].steps[0]).toEqual(result.runs[0].steps[0]);
    expect(got.refused).toEqual(result.refused);
  });

  it('loadModel: a BundleError arrives with its code and fix; the engine answers listModels next', async () => {
    const client = connect({
      loadModel: async () => {
        throw new BundleError('checksum-mismatch', 'sha256 differs.', {
          file: 'm/weights.safetensors',
          fix: 'Re-export it.',
        });
      },
      listModels: async () => ({
        models: [
          { id: 'm', family: 'dit', title: 'M', params: { total: 1, linear: 1 }, metrics: null, generator: true },
        ],
      }),
    });
    const error = await client.call('loadModel', { id: 'm' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({ name: 'BundleError', code: 'checksum-mismatch', fix: 'Re-export it.' });
    expect((error as Error).message).toContain('m/weights.safetensors');
    expect((await client.call('listModels', {})).models.map((m) => m.id)).toEqual(['m']);
  });
});
