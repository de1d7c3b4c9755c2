/**
 * One DiT forward of ours (DitModel.encodeForward, as the sampler calls it: batch 2 = cond + null class) against
 * onnxruntime-web running the same model's exported graph, on the same GPUDevice, the same inputs (the bundle's
 * golden plain forward tf.x, tf.t, tf.y) and the same clock (wall: issue + queue.onSubmittedWorkDone). Before
 * any timing, our fp32 output must match onnxruntime's within the tolerance (a benchmark of a wrong graph is
 * worthless), and both are compared with PyTorch's golden output. Repetitions are interleaved (ours at each
 * setting, then onnxruntime, per round) so machine load hits all alike.
 */
import type { LoadedBundles } from '../../../../src/engine/generation/bundleStore';
import { tensorF32, tensorI32 } from '../../../../src/models/bundle/index.ts';
import type { KernelSet } from '../../../../src/models/runtime/kernelSet';
import { DitModel } from '../../../../src/models/dit/ditModel';
import { Workspace } from '../../../../src/models/runtime/workspace';
import { readF32, uploadWords } from '../../../../src/gpu/buffers';
import { parseSetting } from '../../../../src/quant/setting';
import { maxRelativeError, summarize } from '../stats';
import type { GpuTimer } from '../gpuTimer';
import { BenchError } from './benchError';
import type { EndToEndConfig } from './endToEndConfig';
import type { ForwardMeasurement } from './endToEndTypes';
import { OrtDitForward, type DitForwardInputs } from './ortDitForward';

interface Contender {
  readonly impl: ForwardMeasurement['impl'];
  readonly setting: string;
  readonly issue: () => Promise<void>;
  readonly output: Float32Array;
  readonly firstRunMs: number;
  readonly samples: number[];
}

export async function compareDitForward(
  device: GPUDevice,
  bundles: LoadedBundles,
  kernels: KernelSet,
  timer: GpuTimer,
  graphUrl: string,
  config: EndToEndConfig,
  log: (message: string) => void,
): Promise<ForwardMeasurement[]> {
  const m = bundles.model.manifest;
  if (m.family !== 'dit')
    throw new BenchError('setting-unsupported', `${m.id} is not a DiT bundle.`, 'List DiT bundles in forwardModels=.');
  const goldens = bundles.model.goldens;
  if (!goldens)
    throw new BenchError(
      'graph-missing',
      `${m.id} has no goldens (tf.x, tf.t, tf.y, tf.out).`,
      'Re-export the bundle with training/export_bundle.py.',
    );
  const x = tensorF32(goldens, 'tf.x');
  const timesteps = Array.from(tensorI32(goldens, 'tf.t'));
  const labels = Array.from(tensorI32(goldens, 'tf.y'));
  const golden = tensorF32(goldens, 'tf.out');
  const batch = labels.length;
  const { inChannels, inputSize } = m.config;
  const inputs: DitForwardInputs = {
    x: uploadWords(device, 'ForwardBench.x', x),
    t: uploadWords(device, 'ForwardBench.t', Float32Array.from(timesteps)),
    y: uploadWords(device, 'ForwardBench.y', Int32Array.from(labels)),
    xDims: [batch, inChannels, inputSize, inputSize],
  };
  const models: DitModel[] = [];
  const workspaces: Workspace[] = [];
  let ort: OrtDitForward | undefined;
  try {
    const contenders: Contender[] = [];
    const first = async (issue: () => Promise<void>, read: () => Promise<Float32Array>) => {
      const t0 = performance.now();
      await issue();
      await device.queue.onSubmittedWorkDone();
      const firstRunMs = performance.now() - t0;
      return { firstRunMs, output: await read() };
    };
    ort = await OrtDitForward.load(device, graphUrl);
    const ortSession = ort;
    const ortRun = await (async () => {
      const t0 = performance.now();
      const output = await ortSession.runAndRead(inputs, golden.length);
      return { output, firstRunMs: performance.now() - t0 };
    })();
    contenders.push({
      impl: 'onnxruntime-web',
      setting: 'fp32',
      issue: () => ortSession.runAndDispose(inputs),
      ...ortRun,
      samples: [],
    });
    for (const setting of config.forwardSettings) {
      const model = DitModel.load(device, { manifest: m, weights: bundles.model.weights }, parseSetting(setting), {
        kernels,
      });
      models.push(model);
      const ws = new Workspace(device, `ForwardBench.${setting}`);
      workspaces.push(ws);
      ws.reserve({ ...model.workspaceNeeds(batch), modelOut: golden.length });
      const issue = async (): Promise<void> => {
        const encoder = device.createCommandEncoder({ label: 'ForwardBench.encoder' });
        model.encodeForward(encoder, ws, { x: inputs.x, t: inputs.t, labels, out: ws.get('modelOut') });
        device.queue.submit([encoder.finish()]);
      };
      const run = await first(issue, () => readF32(device, ws.get('modelOut'), 0, golden.length));
      contenders.push({ impl: 'ours', setting, issue, ...run, samples: [] });
    }
    const ortOut = contenders[0].output;
    const fp32 = contenders.find((c) => c.impl === 'ours' && c.setting === 'fp32');
    const ortVsGolden = maxRelativeError(ortOut, golden);
    if (fp32) {
      const error = maxRelativeError(fp32.output, ortOut);
      if (!(error <= config.forwardTolerance)) {
        throw new BenchError(
          'output-mismatch',
          `${m.id}: our fp32 forward differs from onnxruntime's by ${error.toExponential(2)} (relative; PyTorch golden vs onnxruntime ${ortVsGolden.toExponential(2)}), over ${config.forwardTolerance}; not timed.`,
          'Re-export the graph (training/export_dit_onnx.py) and run npm run parity for this model.',
        );
      }
    }
    log(
      `${m.id} forward: outputs checked (onnxruntime vs golden ${ortVsGolden.toExponential(1)}${fp32 ? `, ours fp32 vs onnxruntime ${maxRelativeError(fp32.output, ortOut).toExponential(1)}` : ''}); ${config.forwardReps} interleaved rounds`,
    );
    for (const c of contenders) await timer.issueAndWait(c.issue); // one more warm-up each
    for (let round = 0; round < config.forwardReps; round++) {
      for (const c of contenders) c.samples.push(await timer.issueAndWait(c.issue));
    }
    return contenders.map((c) => ({
      model: m.id,
      impl: c.impl,
      setting: c.setting,
      params: m.params.total,
      relErrorVsOrt: maxRelativeError(c.output, ortOut),
      relErrorVsGolden: maxRelativeError(c.output, golden),
      firstRunMs: c.firstRunMs,
      wall: summarize(c.samples),
    }));
  } finally {
    await ort?.release();
    for (const ws of workspaces) ws.destroy();
    for (const model of models) model.destroy();
    inputs.x.destroy();
    inputs.t.destroy();
    inputs.y.destroy();
  }
}
