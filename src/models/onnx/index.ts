/**
 * onnxruntime-web on the engine's GPUDevice: the bundles' ONNX graphs (decoders, classifier) with GPU-resident
 * inputs and outputs.
 *
 *   const decoder = await VqvaeDecoder.load(context.device, vqvaeBundle);
 *   const image = await decoder.decode(fHat, batch);                  // GpuTensor [B, 1, 32, 32], on the GPU
 *   const quality = new SampleQualityTracker(await DigitClassifier.load(context.device, classifierBundle));
 *   await quality.addImages(image.buffer, batch, labels);             // classifier on the same GPU buffer
 *   const pixels = await image.read();                                 // only when the UI needs them
 *   image.dispose();
 *   const fd = quality.fd();
 */
export { OnnxError, type OnnxErrorCode } from './errors';
export { configureOrt, ortVersion } from './ortRuntime';
export { OnnxSession, type OnnxSessionSpec, type GpuInput } from './onnxSession';
export { GpuTensor } from './gpuTensor';
export { createBundleSession } from './bundleSession';
export { VqvaeDecoder } from './vqvaeDecoder';
export { VaeDecoder } from './vaeDecoder';
export { DigitClassifier, type ClassifierOutputs, type ClassifierReadout } from './digitClassifier';
export { SampleQualityTracker, type BatchQuality } from './sampleQuality';
