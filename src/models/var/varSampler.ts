/**
 * The VAR sampler (docs/bundle-format.md, "Sampling"): per scale k, the cond rows (the labels) and the uncond
 * rows (the null class) go through the KV-cache forward together; the logits are mixed with the CFG weight
 * t = cfg * k / (K-1), filtered (top-k, top-p) and a token drawn per position from a uniform; the tokenizer
 * step turns the tokens into f_hat and the next scale's input. Uniforms come from the request (the goldens
 * record torch's) or from our seeded PCG32.
 *
 * The draw currently runs on the CPU (tokenDraw.ts) after reading back one scale's logits; everything else
 * stays on the GPU. Per-step traces (tokens, f_hat, logits, soft features, the step input) are read back only
 * when asked for.
 */
import { Pcg32 } from '../runtime/prng';
import { Workspace } from '../runtime/workspace';
import { readF32, writeWords } from '../runtime/gpuBuffers';
import { requireArgument, requireLiveModel } from '../runtime/errors';
import { scaleStarts } from './varConfig';
import { drawScale, filterTopKTopP } from './tokenDraw';
import type { VarModel } from './varModel';
import type { VarTokenizer } from './varTokenizer';

const OWNER = 'VarSampler';

export interface VarTraceRequest {
  readonly tokens?: boolean;
  readonly fHat?: boolean;
  /** logits_cond, logits_uncond [B, T, V] and the CFG mix [B, T, V]. */
  readonly logits?: boolean;
  /** The continuous feature before snapping: sum_v p(v) codebook[v] per position, p the filtered distribution. */
  readonly features?: boolean;
  /** The step's transformer input [2B, T, C] (cond rows, then uncond rows). */
  readonly input?: boolean;
}

export interface VarStepTrace {
  readonly step: number;
  readonly patchNum: number;
  readonly tokens?: Uint32Array;
  readonly fHat?: Float32Array;
  readonly logitsCond?: Float32Array;
  readonly logitsUncond?: Float32Array;
  readonly logitsCfg?: Float32Array;
  readonly features?: Float32Array;
  readonly input?: Float32Array;
}

export interface VarSampleRequest {
  /** Class per image (0 .. numClasses-1). */
  readonly labels: readonly number[];
  readonly cfg: number;
  /** 0 = off. */
  readonly topK: number;
  /** 0 = off. */
  readonly topP: number;
  /** Per scale k: uniforms [B, pn_k^2] in [0, 1); default: PCG32(seed). */
  readonly uniforms?: readonly Float32Array[];
  readonly seed?: number;
  readonly trace?: VarTraceRequest;
  readonly onStep?: (trace: VarStepTrace) => void;
}

export interface VarSampleResult {
  /** f_hat [B, Cvae, H, H] on the GPU (the tokenizer decoder's input); owned by the sampler, overwritten by the next run. */
  readonly fHat: GPUBuffer;
  /** Tokens of every scale, [B, pn_k^2] each. */
  readonly tokens: readonly Uint32Array[];
  readonly steps: readonly VarStepTrace[];
}

export class VarSampler {
  private readonly ws: Workspace;
  private destroyed = false;

  constructor(
    readonly model: VarModel,
    readonly tokenizer: VarTokenizer,
  ) {
    const { patchNums, cvae } = model.config;
    const t = tokenizer.config;
    requireArgument(
      t.cvae === cvae && t.patchNums.join() === patchNums.join() && t.vocabSize === model.config.vocabSize,
      OWNER,
      `the tokenizer (Cvae ${t.cvae}, scales ${t.patchNums}, ${t.vocabSize} codes) does not match the transformer (Cvae ${cvae}, scales ${patchNums}, ${model.config.vocabSize} codes)`,
      "Load the tokenizer bundle named in the transformer's requires.tokenizer.",
    );
    this.ws = new Workspace(model.device, OWNER);
  }

  async sample(request: VarSampleRequest): Promise<VarSampleResult> {
    requireLiveModel(OWNER, this.destroyed);
    const { model, tokenizer, ws } = this;
    const { device } = model;
    const { patchNums, vocabSize: V, width: C, cvae, numClasses } = model.config;
    const K = patchNums.length;
    const B = request.labels.length;
    const S = 2 * B;
    requireArgument(B > 0, OWNER, 'no labels given', 'Pass at least one class label.');
    requireArgument(request.labels.every((y) => Number.isInteger(y) && y >= 0 && y < numClasses), OWNER, `labels ${request.labels} must be classes 0..${numClasses - 1}`, 'The null class is added by the sampler itself.');
    if (request.uniforms) {
      requireArgument(request.uniforms.length === K && request.uniforms.every((u, k) => u.length === B * patchNums[k] ** 2), OWNER, `uniforms must be ${K} arrays of B * pn^2 values`, 'Pass one [B, pn*pn] array per scale.');
    }
    const rng = request.uniforms ? undefined : new Pcg32(request.seed ?? 0);
    const trace = request.trace ?? {};
    const maxT = Math.max(...patchNums.map((p) => p * p));
    ws.reserve({ ...model.workspaceNeeds(S, S * maxT), ...tokenizer.workspaceNeeds(B), tokens: B * maxT, fHat: tokenizer.fHatElements(B), nextMap: B * maxT * cvae, embed: B * maxT * C });
    const x = ws.get('x');
    const starts = scaleStarts(patchNums);
    const labels = [...request.labels, ...request.labels.map(() => numClasses)];

    let encoder = device.createCommandEncoder({ label: `${OWNER}.conditioning` });
    const cond = model.encodeConditioning(encoder, ws, labels);
    writeWords(device, x, 0, model.firstTokenInput(cond, S));
    const allTokens: Uint32Array[] = [];
    const steps: VarStepTrace[] = [];
    for (let k = 0; k < K; k++) {
      const T = patchNums[k] ** 2;
      if (k > 0) this.encodeStepInput(encoder, B, T, starts[k]);
      let input: Float32Array | undefined;
      if (trace.input) {
        device.queue.submit([encoder.finish()]);
        input = await readF32(device, x, 0, S * T * C);
        encoder = device.createCommandEncoder({ label: `${OWNER}.step${k}` });
      }
      model.encodeTransformer(encoder, ws, { samples: S, tokens: T, position: starts[k], masked: false });
      device.queue.submit([encoder.finish()]);
      const logits = await readF32(device, ws.get('logits'), 0, S * T * V);
      const uniforms = request.uniforms?.[k] ?? rng!.uniforms(B * T);
      const cfgLogits = logits.subarray(0, B * T * V);
      const uncondLogits = logits.subarray(B * T * V);
      const drawn = drawScale(cfgLogits, uncondLogits, uniforms, V, { cfg: request.cfg, topK: request.topK, topP: request.topP, k, scales: K });
      allTokens.push(drawn.tokens);
      writeWords(device, ws.get('tokens'), 0, drawn.tokens);
      encoder = device.createCommandEncoder({ label: `${OWNER}.step${k}.tokenizer` });
      tokenizer.encodeStep(encoder, model.kernels, ws, k, B, { tokens: ws.get('tokens'), fHat: ws.get('fHat'), nextMap: ws.get('nextMap') });
      const step: VarStepTrace = {
        step: k,
        patchNum: patchNums[k],
        tokens: trace.tokens ? drawn.tokens.slice() : undefined,
        logitsCond: trace.logits ? cfgLogits.slice() : undefined,
        logitsUncond: trace.logits ? uncondLogits.slice() : undefined,
        logitsCfg: trace.logits ? drawn.mixed : undefined,
        features: trace.features ? this.softFeatures(drawn.mixed, request.topK, request.topP) : undefined,
        input,
      };
      if (trace.fHat) {
        device.queue.submit([encoder.finish()]);
        (step as { fHat?: Float32Array }).fHat = await readF32(device, ws.get('fHat'), 0, tokenizer.fHatElements(B));
        encoder = device.createCommandEncoder({ label: `${OWNER}.step${k + 1}` });
      }
      steps.push(step);
      request.onStep?.(step);
    }
    device.queue.submit([encoder.finish()]);
    return { fHat: ws.get('fHat'), tokens: allTokens, steps };
  }

  /** The next scale's input: word_embed(next map) + levelPos, the same for the cond and the uncond rows. */
  private encodeStepInput(encoder: GPUCommandEncoder, B: number, T: number, start: number): void {
    const { model, ws } = this;
    const C = model.config.width;
    const embed = ws.get('embed');
    model.encodeWordEmbed(encoder, ws, { buffer: ws.get('nextMap'), offset: 0, size: B * T * model.config.cvae * 4 }, { buffer: embed, offset: 0, size: B * T * C * 4 }, B * T);
    model.encodeAddLevelPos(encoder, embed, 0, B, T, start);
    encoder.copyBufferToBuffer(embed, 0, ws.get('x'), 0, B * T * C * 4);
    encoder.copyBufferToBuffer(embed, 0, ws.get('x'), B * T * C * 4, B * T * C * 4);
  }

  /** sum_v softmax(filtered logits)_v * codebook[v] per position: [positions, Cvae]. */
  private softFeatures(mixed: Float32Array, topK: number, topP: number): Float32Array {
    const { vocabSize: V, cvae } = this.model.config;
    const codebook = this.tokenizer.codebookHost;
    const positions = mixed.length / V;
    const out = new Float32Array(positions * cvae);
    for (let i = 0; i < positions; i++) {
      const filtered = filterTopKTopP(mixed.subarray(i * V, (i + 1) * V), topK, topP);
      let max = -Infinity;
      for (const v of filtered) max = Math.max(max, v);
      let total = 0;
      const p = Array.from(filtered, (v) => (total += Math.exp(v - max), Math.exp(v - max)));
      for (let v = 0; v < V; v++) {
        if (p[v] === 0) continue;
        const w = p[v] / total;
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
