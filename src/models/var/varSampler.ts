/**
 * The VAR sampler (docs/bundle-format.md, "Sampling"), all on the GPU: per scale k, the cond rows (the labels)
 * and the uncond rows (the null class) go through the KV-cache forward together; CfgCombineKernel mixes the
 * logits with t = cfg * k / (K-1); SampleTokensKernel filters (top-k, top-p) and draws a token per position
 * from its row of uniforms (Gumbel-max); the tokenizer step turns the tokens into f_hat and the next scale's input. Uniforms come
 * from the request (the goldens record torch's) or from our seeded PCG32, uploaded scale by scale.
 *
 * Without traces the run is one submission per scale (each uploads its scale's uniforms). Per-step traces (tokens, f_hat, logits, soft features, the
 * step input) are read back only when asked for, which splits the run into a submission per step.
 */
import { filterTopKTopP } from '../../ops/sampling';
import { varLogitsCfgLayout } from '../../kernels/ops/cfgCombineKernel';
import { Pcg32 } from '../runtime/prng';
import { Workspace } from '../runtime/workspace';
import { alignElements, readF32, readU32, slice, writeWords } from '../../gpu/buffers';
import { requireArgument, requireLiveModel } from '../runtime/errors';
import { scaleStarts, varSamplerNeeds } from './varConfig';
import type { VarModel } from './varModel';
import type { VarTokenizer } from './varTokenizer';

const OWNER = 'VarSampler';

export interface VarTraceRequest {
  readonly tokens?: boolean;
  readonly fHat?: boolean;
  /** logits_cond, logits_uncond and their CFG mix, [B, T, V] each. */
  readonly logits?: boolean;
  /** The continuous feature before snapping: sum_v p(v) codebook[v] per position, p the filtered distribution. */
  readonly features?: boolean;
  /** The step's transformer input [2B, T, C] (cond rows, then uncond rows). */
  readonly input?: boolean;
}

export interface VarStepTrace {
  readonly step: number;
  readonly patchNum: number;
  tokens?: Uint32Array;
  fHat?: Float32Array;
  logitsCond?: Float32Array;
  logitsUncond?: Float32Array;
  logitsCfg?: Float32Array;
  features?: Float32Array;
  input?: Float32Array;
}

export interface VarSampleRequest {
  /** Class per image (0 .. numClasses-1). */
  readonly labels: readonly number[];
  readonly cfg: number;
  /** 0 = off. */
  readonly topK: number;
  /** 0 = off. */
  readonly topP: number;
  /** Per scale k: uniforms [B, pn_k^2, vocab] in [0, 1) for the Gumbel-max draws; default: PCG32(seed), drawn scale by scale. */
  readonly uniforms?: readonly Float32Array[];
  readonly seed?: number;
  readonly trace?: VarTraceRequest;
  readonly onStep?: (trace: VarStepTrace) => void;
  /**
   * Optional, default off (the representation-SNR analysis, src/engine/analysis): called at every scale with the
   * head's input [2B, T, C] (the transformer's last continuous feature, before the head and the token draw snap
   * it onto a codebook entry) read back; it may change the values in place, which are written back before the
   * head runs again on them. Costs a read-back per scale.
   */
  readonly perturbHeadInput?: (step: number, values: Float32Array) => void;
}

export interface VarSampleResult {
  /** f_hat [B, Cvae, H, H] on the GPU (the tokenizer decoder's input); owned by the sampler, overwritten by the next run. */
  readonly fHat: GPUBuffer;
  readonly steps: readonly VarStepTrace[];
}

export class VarSampler {
  private readonly ws: Workspace;
  private destroyed = false;

  constructor(
    readonly model: VarModel,
    readonly tokenizer: VarTokenizer,
  ) {
    const { patchNums, cvae, vocabSize } = model.config;
    const t = tokenizer.config;
    requireArgument(
      t.cvae === cvae && t.patchNums.join() === patchNums.join() && t.vocabSize === vocabSize,
      OWNER,
      `the tokenizer (Cvae ${t.cvae}, scales ${t.patchNums}, ${t.vocabSize} codes) does not match the transformer (Cvae ${cvae}, scales ${patchNums}, ${vocabSize} codes)`,
      "Load the tokenizer bundle named in the transformer's requires.tokenizer.",
    );
    this.ws = new Workspace(model.device, OWNER);
  }

  async sample(request: VarSampleRequest): Promise<VarSampleResult> {
    requireLiveModel(OWNER, this.destroyed);
    const { model, tokenizer, ws } = this;
    const { device, kernels } = model;
    const { patchNums, vocabSize: V, width: C, numClasses } = model.config;
    const K = patchNums.length;
    const B = request.labels.length;
    const S = 2 * B;
    requireArgument(B > 0, OWNER, 'no labels given', 'Pass at least one class label.');
    requireArgument(
      request.labels.every((y) => Number.isInteger(y) && y >= 0 && y < numClasses),
      OWNER,
      `labels ${request.labels} must be classes 0..${numClasses - 1}`,
      'The null class is added by the sampler itself.',
    );
    requireArgument(
      Number.isFinite(request.cfg),
      OWNER,
      `cfg ${request.cfg} is not finite`,
      'Pass a guidance scale such as 1.5.',
    );
    if (request.uniforms) {
      requireArgument(
        request.uniforms.length === K && request.uniforms.every((u, k) => u.length === B * patchNums[k] ** 2 * V),
        OWNER,
        `uniforms must be ${K} arrays of B * pn^2 * ${V} values`,
        'Pass one [B, pn*pn, vocab] array per scale.',
      );
    }
    const trace = request.trace ?? {};
    const tracing = Object.values(trace).some(Boolean);
    const alignment = device.limits.minStorageBufferOffsetAlignment;
    // Per scale, a region of the tokens buffer [B, pn^2] starting at a storage-offset boundary.
    const regions: number[] = [];
    let total = 0;
    for (const pn of patchNums) {
      regions.push(total);
      total += alignElements(B * pn * pn, alignment);
    }
    ws.reserve({
      ...varSamplerNeeds(model.config, B, model.kvFormat, alignment),
      ...tokenizer.workspaceNeeds(B),
      fHat: tokenizer.fHatElements(B),
    });
    const rng = new Pcg32(request.seed ?? 0);
    // The CFG mix lives in mlp (free after the head), the next scale's embedding in out (varSamplerNeeds).
    const logitsCfg = ws.get('mlp');

    const x = ws.get('x');
    const starts = scaleStarts(patchNums);
    const labels = [...request.labels, ...request.labels.map(() => numClasses)];
    let encoder = device.createCommandEncoder({ label: `${OWNER}.encoder` });
    const cond = model.encodeConditioning(encoder, ws, labels);
    writeWords(device, x, 0, model.firstTokenInput(cond, S));
    const steps: VarStepTrace[] = [];
    const flush = () => {
      device.queue.submit([encoder.finish()]);
      encoder = device.createCommandEncoder({ label: `${OWNER}.encoder` });
    };
    for (let k = 0; k < K; k++) {
      const T = patchNums[k] ** 2;
      const step: VarStepTrace = { step: k, patchNum: patchNums[k] };
      // One scale's uniforms at a time: the previous scale's draw must have been submitted before they are
      // overwritten (queue writes are ordered with submissions), so each scale is its own submission.
      if (k > 0) flush();
      writeWords(device, ws.get('uniforms'), 0, request.uniforms?.[k] ?? rng.uniforms(B * T * V));
      if (k > 0) this.encodeStepInput(encoder, B, T, starts[k]);
      if (trace.input) {
        flush();
        step.input = await readF32(device, x, 0, S * T * C);
      }
      model.encodeTransformer(encoder, ws, { samples: S, tokens: T, position: starts[k], masked: false });
      if (request.perturbHeadInput)
        await this.perturbHeadInput(flush, () => encoder, request.perturbHeadInput, k, S * T);
      kernels.cfg.encode(encoder, {
        formula: 'var',
        weight: K > 1 ? (request.cfg * k) / (K - 1) : 0,
        src: ws.get('logits'),
        dst: logitsCfg,
        ...varLogitsCfgLayout(B, T, V),
      });
      const tokens = slice(ws.get('tokens'), regions[k], B * T);
      kernels.sampleTokens.encode(encoder, {
        logits: logitsCfg,
        uniforms: slice(ws.get('uniforms'), 0, B * T * V),
        tokens,
        rows: B * T,
        vocab: V,
        topK: request.topK,
        topP: request.topP,
      });
      tokenizer.encodeStep(encoder, kernels, ws, k, B, { tokens, fHat: ws.get('fHat'), nextMap: ws.get('nextMap') });
      if (tracing) {
        flush();
        await this.readTrace(step, trace, request, B, T);
      }
      steps.push(step);
      request.onStep?.(step);
    }
    device.queue.submit([encoder.finish()]);
    return { fHat: ws.get('fHat'), steps };
  }

  /** Reads the head input (ws.h after encodeTransformer), lets `perturb` change it, writes it back and re-encodes the head. */
  private async perturbHeadInput(
    flush: () => void,
    encoder: () => GPUCommandEncoder,
    perturb: (step: number, values: Float32Array) => void,
    step: number,
    rows: number,
  ): Promise<void> {
    const { model, ws } = this;
    flush();
    const h = await readF32(model.device, ws.get('h'), 0, rows * model.config.width);
    perturb(step, h);
    writeWords(model.device, ws.get('h'), 0, h);
    // The same head as the end of VarModel.encodeTransformer, now on the perturbed input.
    model.encodeHead(encoder(), ws, rows);
  }

  /** The next scale's input: word_embed(next map) + levelPos, the same for the cond and the uncond rows. */
  private encodeStepInput(encoder: GPUCommandEncoder, B: number, T: number, start: number): void {
    const { model, ws } = this;
    const C = model.config.width;
    const embed = ws.get('out');
    model.encodeWordEmbed(
      encoder,
      ws,
      slice(ws.get('nextMap'), 0, B * T * model.config.cvae),
      slice(embed, 0, B * T * C),
      B * T,
    );
    model.encodeAddLevelPos(encoder, embed, 0, B, T, start);
    encoder.copyBufferToBuffer(embed, 0, ws.get('x'), 0, B * T * C * 4);
    encoder.copyBufferToBuffer(embed, 0, ws.get('x'), B * T * C * 4, B * T * C * 4);
  }

  private async readTrace(
    step: VarStepTrace,
    trace: VarTraceRequest,
    request: VarSampleRequest,
    B: number,
    T: number,
  ): Promise<void> {
    const { device, config } = this.model;
    const V = config.vocabSize;
    const ws = this.ws;
    if (trace.tokens) step.tokens = await readU32(device, ws.get('tokens'), this.tokenRegion(step.step, B), B * T);
    if (trace.fHat) step.fHat = await readF32(device, ws.get('fHat'), 0, this.tokenizer.fHatElements(B));
    if (trace.logits) {
      const logits = await readF32(device, ws.get('logits'), 0, 2 * B * T * V);
      step.logitsCond = logits.slice(0, B * T * V);
      step.logitsUncond = logits.slice(B * T * V);
    }
    if (trace.logits || trace.features) {
      const mixed = await readF32(device, ws.get('mlp'), 0, B * T * V);
      if (trace.logits) step.logitsCfg = mixed;
      if (trace.features) step.features = this.softFeatures(mixed, request.topK, request.topP);
    }
  }

  private tokenRegion(k: number, B: number): number {
    const alignment = this.model.device.limits.minStorageBufferOffsetAlignment;
    let at = 0;
    for (let i = 0; i < k; i++) at += alignElements(B * this.model.config.patchNums[i] ** 2, alignment);
    return at;
  }

  /** sum_v softmax(filtered logits)_v * codebook[v] per position: [positions, Cvae]. */
  private softFeatures(mixed: Float32Array, topK: number, topP: number): Float32Array {
    const { vocabSize: V, cvae } = this.model.config;
    const codebook = this.tokenizer.codebookHost;
    const positions = mixed.length / V;
    const out = new Float32Array(positions * cvae);
    const weights = new Float64Array(V);
    for (let i = 0; i < positions; i++) {
      const filtered = filterTopKTopP(mixed.subarray(i * V, (i + 1) * V), topK, topP);
      let max = -Infinity;
      for (const v of filtered) max = Math.max(max, v);
      let total = 0;
      for (let v = 0; v < V; v++) total += weights[v] = Math.exp(filtered[v] - max);
      for (let v = 0; v < V; v++) {
        if (weights[v] === 0) continue;
        const w = weights[v] / total;
        for (let c = 0; c < cvae; c++) out[i * cvae + c] += w * codebook[v * cvae + c];
      }
    }
    return out;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.ws.destroy();
  }
}
