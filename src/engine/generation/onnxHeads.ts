/**
 * ImageHeads on onnxruntime-web (src/models/onnx), sharing the engine's GPUDevice: the generator's decoder
 * (VAR: the vqvae bundle's decoder.onnx on f_hat; DiT: the vae bundle's on the latent) and, when the manifest
 * requires one, the MNIST classifier on the decoded image, all without leaving the GPU until the readback.
 * A classifier that cannot be loaded only costs the prediction (classifierNote says why); a decoder that
 * cannot be loaded rejects (the service then returns raw outputs with that reason).
 */
import { predict } from '../../metrics/classification';
import { DigitClassifier, SampleQualityTracker, VaeDecoder, VqvaeDecoder } from '../../models/onnx/index.ts';
import type { HeadsFactory, ImageHeads, DecodedOutput } from './heads';

export const onnxHeads: HeadsFactory = async (device, bundles) => {
  const m = bundles.model.manifest;
  const decoderBundle = bundles.required.get(m.family === 'var' ? m.requires.tokenizer : m.requires.vae)!;
  const decoder =
    m.family === 'var' ? await VqvaeDecoder.load(device, decoderBundle) : await VaeDecoder.load(device, decoderBundle);
  const classifierBundle = m.requires.classifier ? bundles.required.get(m.requires.classifier) : undefined;
  let classifier: DigitClassifier | undefined;
  let classifierNote: string | undefined;
  if (classifierBundle) {
    try {
      classifier = await DigitClassifier.load(device, classifierBundle);
    } catch (e) {
      classifierNote = `The classifier could not be loaded (${e instanceof Error ? e.message : String(e)}), so there are no predicted labels.`;
    }
  } else {
    classifierNote = `${m.id} names no classifier bundle, so there are no predicted labels.`;
  }
  let disposed: Promise<void> | undefined;
  const heads: ImageHeads = {
    classifierNote,
    async decode(source: GPUBuffer): Promise<DecodedOutput> {
      const image = await decoder.decode(source, 1);
      try {
        let prediction: DecodedOutput['prediction'];
        if (classifier) {
          const { logits } = await classifier.classifyAndRead(image.buffer, 1);
          const [p] = predict(logits, classifier.numClasses);
          prediction = { label: p.label, confidence: p.confidence };
        }
        return { image: await image.read(), prediction };
      } finally {
        image.dispose();
      }
    },
    async decodeBatch(source, batch) {
      if (!classifier) throw new Error('decodeBatch needs the classifier (startQuality returned undefined).');
      const image = await decoder.decode(source, batch);
      try {
        const { logits } = await classifier.classifyAndRead(image.buffer, batch);
        return { images: await image.read(), predicted: predict(logits, classifier.numClasses).map((p) => p.label) };
      } finally {
        image.dispose();
      }
    },
    startQuality() {
      if (!classifier) return undefined;
      const tracker = new SampleQualityTracker(classifier);
      return {
        get count() {
          return tracker.count;
        },
        async add(source, batch, labels, readBack) {
          const image = await decoder.decode(source, batch);
          try {
            const quality = await tracker.addImages(image.buffer, batch, labels);
            if (readBack) return { images: await image.read(), predicted: quality.predictions.map((p) => p.label) };
          } finally {
            image.dispose();
          }
        },
        estimate: () => {
          const fd = tracker.fdEstimate();
          const kid = tracker.kidEstimate();
          return {
            fd: fd.fd,
            stdError: fd.stdError,
            leaveOut: fd.leaveOut,
            ...(kid ? { kid: { kid: kid.kid, stdError: kid.stdError, leaveOut: kid.leaveOut } } : {}),
          };
        },
        accuracy: () => tracker.accuracy() ?? 0,
      };
    },
    dispose() {
      disposed ??= Promise.all([decoder.dispose(), classifier?.dispose()]).then(() => undefined);
      return disposed;
    },
  };
  return heads;
};
