/**
 * DiT on the GPU (docs/bundle-format.md, family `dit`):
 *
 *   const model = DitModel.load(device, ditBundle, parseSetting('Wfp4g32'), { kernels });
 *   const sampler = new DitSampler(model);
 *   const { latent, steps } = await sampler.sample({ labels: [3], cfg: 1.5, method: 'ddpm', steps: 50, seed: 1, trace: { xT: true, modelOut: true } });
 *   // latent: GPU buffer [B, 4, 8, 8], SCALED; the vae bundle's decoder.onnx divides by the scale factor itself
 *   sampler.destroy(); model.destroy();
 */
export { DitModel, type DitLoadOptions, type DitForwardArgs } from './ditModel';
export {
  DitSampler,
  type DitMethod,
  type DitSampleRequest,
  type DitSampleResult,
  type DitStepTrace,
  type DitTraceRequest,
} from './ditSampler';
export { ditForwardOnce } from './ditForward';
export { ditLinearSpecs, ditTokens, type DitConfig } from './ditConfig';
