/**
 * Every kernel a forward pass uses, for one device. A KernelSet owns its kernels (pipelines, uniform caches);
 * models either own one (and destroy it with themselves) or share one passed in by the engine.
 */
import {
  ActivationQuantKernel,
  Dot4MatmulKernel,
  HadamardKernel,
  LowRankAddKernel,
  MatmulF32Kernel,
  QuantMatmulKernel,
} from '../../kernels';
import { ActivationKernel } from '../../kernels/ops/activationKernel';
import { AttentionKernel } from '../../kernels/ops/attentionKernel';
import { LayerNormModulateKernel } from '../../kernels/ops/layerNormModulateKernel';
import { ResidualAddKernel } from '../../kernels/ops/residualAddKernel';
import { VarQkvPrepareKernel } from '../../kernels/ops/varQkvPrepareKernel';
import { CodebookGatherKernel } from '../../kernels/ops/codebookGatherKernel';
import { BicubicUpsampleKernel } from '../../kernels/ops/bicubicUpsampleKernel';
import { AreaDownsampleKernel } from '../../kernels/ops/areaDownsampleKernel';
import { PhiConvAccumulateKernel } from '../../kernels/ops/phiConvAccumulateKernel';
import { CfgCombineKernel } from '../../kernels/ops/cfgCombineKernel';
import { SampleTokensKernel } from '../../kernels/ops/sampleTokensKernel';
import { AddPositionKernel } from '../../kernels/ops/addPositionKernel';
import { PatchifyKernel, UnpatchifyKernel } from '../../kernels/ops/patchifyKernels';
import { TimestepEmbeddingKernel } from '../../kernels/ops/timestepEmbeddingKernel';
import { DdimStepKernel, DdpmStepKernel } from '../../kernels/ops/diffusionStepKernels';

export class KernelSet {
  readonly matmulF32: MatmulF32Kernel;
  readonly quantMatmul: QuantMatmulKernel;
  readonly activationQuant: ActivationQuantKernel;
  /** The -had rotation, fused before the activation fake quant. */
  readonly hadamard: HadamardKernel;
  /** The -lr branch's up projection, added to a Linear's output. */
  readonly lowRankAdd: LowRankAddKernel;
  /** A8 x INT4/INT8 with dot4I8Packed where the WGSL language feature exists (`dot4.available`, `dot4.why`). */
  readonly dot4: Dot4MatmulKernel;
  readonly layerNorm: LayerNormModulateKernel;
  readonly residual: ResidualAddKernel;
  readonly activation: ActivationKernel;
  readonly attention: AttentionKernel;
  readonly varQkv: VarQkvPrepareKernel;
  readonly codebookGather: CodebookGatherKernel;
  readonly bicubic: BicubicUpsampleKernel;
  readonly area: AreaDownsampleKernel;
  readonly phiConv: PhiConvAccumulateKernel;
  readonly cfg: CfgCombineKernel;
  readonly sampleTokens: SampleTokensKernel;
  readonly addPosition: AddPositionKernel;
  readonly patchify: PatchifyKernel;
  readonly unpatchify: UnpatchifyKernel;
  readonly timestepEmbedding: TimestepEmbeddingKernel;
  readonly ddpmStep: DdpmStepKernel;
  readonly ddimStep: DdimStepKernel;
  private destroyed = false;

  constructor(readonly device: GPUDevice) {
    this.matmulF32 = new MatmulF32Kernel(device);
    this.quantMatmul = new QuantMatmulKernel(device);
    this.activationQuant = new ActivationQuantKernel(device);
    this.hadamard = new HadamardKernel(device);
    this.lowRankAdd = new LowRankAddKernel(device);
    this.dot4 = new Dot4MatmulKernel(device);
    this.layerNorm = new LayerNormModulateKernel(device);
    this.residual = new ResidualAddKernel(device);
    this.activation = new ActivationKernel(device);
    this.attention = new AttentionKernel(device);
    this.varQkv = new VarQkvPrepareKernel(device);
    this.codebookGather = new CodebookGatherKernel(device);
    this.bicubic = new BicubicUpsampleKernel(device);
    this.area = new AreaDownsampleKernel(device);
    this.phiConv = new PhiConvAccumulateKernel(device);
    this.cfg = new CfgCombineKernel(device);
    this.sampleTokens = new SampleTokensKernel(device);
    this.addPosition = new AddPositionKernel(device);
    this.patchify = new PatchifyKernel(device);
    this.unpatchify = new UnpatchifyKernel(device);
    this.timestepEmbedding = new TimestepEmbeddingKernel(device);
    this.ddpmStep = new DdpmStepKernel(device);
    this.ddimStep = new DdimStepKernel(device);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const transformer = [
      this.matmulF32,
      this.quantMatmul,
      this.activationQuant,
      this.hadamard,
      this.lowRankAdd,
      this.dot4,
      this.layerNorm,
      this.residual,
      this.activation,
      this.attention,
    ];
    const varOnly = [this.varQkv, this.codebookGather, this.bicubic, this.area, this.phiConv, this.sampleTokens];
    const ditOnly = [
      this.addPosition,
      this.patchify,
      this.unpatchify,
      this.timestepEmbedding,
      this.ddpmStep,
      this.ddimStep,
    ];
    for (const kernel of [...transformer, ...varOnly, ...ditOnly, this.cfg]) kernel.destroy();
  }
}
