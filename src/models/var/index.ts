/**
 * VAR on the GPU (docs/bundle-format.md, family `var`):
 *
 *   const model = VarModel.load(device, varBundle, parseSetting('W4g128-A8'), { kernels });
 *   const tokenizer = VarTokenizer.load(device, vqvaeBundle);
 *   const sampler = new VarSampler(model, tokenizer);
 *   const { fHat, steps } = await sampler.sample({ labels: [3], cfg: 1.5, topK: 0, topP: 0, seed: 1, trace: { tokens: true } });
 *   // fHat: GPU buffer [B, Cvae, H, H], the vqvae bundle's decoder.onnx input (onnxruntime-web, Tensor.fromGpuBuffer)
 *   sampler.destroy(); tokenizer.destroy(); model.destroy();
 */
export { VarModel, type VarLoadOptions, type TransformerRun } from './varModel';
export { VarTokenizer } from './varTokenizer';
export {
  VarSampler,
  type VarSampleRequest,
  type VarSampleResult,
  type VarStepTrace,
  type VarTraceRequest,
} from './varSampler';
export { varTeacherForcedLogits } from './varTeacherForced';
export {
  varLinearSpecs,
  scaleOfToken,
  scaleStarts,
  DEFAULT_KV_FORMAT,
  type VarConfig,
  type VarKvFormat,
  type VqvaeConfig,
} from './varConfig';
