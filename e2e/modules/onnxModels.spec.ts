/**
 * The bundles' ONNX graphs through src/models/onnx in real Chromium (WebGPU, onnxruntime-web/webgpu) on the
 * GPUDevice of our GpuContext, inputs handed over as our GPUBuffers, outputs read back through our device
 * (which also proves onnxruntime runs on it). Compared with the PyTorch goldens read in Node.
 * Tolerances: decoders max |diff| <= 1e-3 of the image range 2 (VQ-VAE) and <= 1e-3 (VAE); classifier
 * logits and features relative L2 <= 1e-3.
 */
import { expect, test, type Page } from '@playwright/test';
import { watchErrors } from '../pageErrors.ts';
import { maxAbsError, psnr, relativeL2Error } from '../../src/metrics/index.ts';
import { firstBundleOf, goldenF32, goldenI32, manifestOf } from './goldens.ts';

async function openHarness(page: Page): Promise<void> {
  await page.goto('/e2e/modules/harness.html');
  await page.waitForFunction(() => document.body.dataset.ready === '1');
}

let errors: string[] = [];
test.beforeEach(async ({ page }) => {
  errors = watchErrors(page);
  await openHarness(page);
});
test.afterEach(() => expect(errors).toEqual([]));

test('VQ-VAE decoder: the tokenizer golden f_hat decodes to image_out (max |diff| <= 1e-3 x range 2)', async ({
  page,
}) => {
  const image = await page.evaluate(async () => {
    const h = await import('./harness.ts');
    const { device } = await h.gpu();
    const bundle = await h.loadBundle('mnist-vqvae');
    const decoder = await h.onnx.VqvaeDecoder.load(device, bundle);
    const fHat = h.uploadGolden(device, bundle, 'f_hat');
    const out = await decoder.decode(fHat, 1);
    const dims = [...out.dims];
    const pixels = await out.read();
    out.dispose();
    fHat.destroy();
    await decoder.dispose();
    return { dims, pixels: Array.from(pixels) };
  });
  const golden = goldenF32('mnist-vqvae', 'image_out');
  expect(image.dims).toEqual([1, 1, 32, 32]);
  const err = maxAbsError(image.pixels, golden);
  console.log(`vqvae decoder: max |diff| ${err.toExponential(2)}, PSNR ${psnr(image.pixels, golden).toFixed(1)} dB`);
  expect(err).toBeLessThanOrEqual(1e-3 * 2);
});

test('VAE decoder: a DiT golden latent decodes to its golden image (max |diff| <= 1e-3)', async ({ page }) => {
  const dit = firstBundleOf('dit');
  const vae = manifestOf(dit).requires.vae;
  const image = await page.evaluate(
    async ({ dit, vae }) => {
      const h = await import('./harness.ts');
      const { device } = await h.gpu();
      const decoder = await h.onnx.VaeDecoder.load(device, await h.loadBundle(vae));
      const latent = h.uploadGolden(device, await h.loadBundle(dit), 'latent');
      const out = await decoder.decode(latent, 1);
      const pixels = await out.read();
      out.dispose();
      latent.destroy();
      await decoder.dispose();
      return Array.from(pixels);
    },
    { dit, vae },
  );
  const golden = goldenF32(dit, 'image');
  const err = maxAbsError(image, golden);
  console.log(
    `vae decoder (${dit} latent): max |diff| ${err.toExponential(2)}, PSNR ${psnr(image, golden).toFixed(1)} dB`,
  );
  expect(err).toBeLessThanOrEqual(1e-3);
});

test('classifier: the 10 golden digits give the golden logits and features (relative L2 <= 1e-3)', async ({ page }) => {
  const out = await page.evaluate(async () => {
    const h = await import('./harness.ts');
    const { device } = await h.gpu();
    const classifier = await h.onnx.DigitClassifier.load(device, await h.loadBundle('mnist-classifier'));
    const images = h.uploadGolden(device, await h.loadBundle('mnist-classifier'), 'image');
    const { logits, features } = await classifier.classify(images, 10);
    const dims = { logits: [...logits.dims], features: [...features.dims] };
    const result = { dims, logits: Array.from(await logits.read()), features: Array.from(await features.read()) };
    logits.dispose();
    features.dispose();
    images.destroy();
    await classifier.dispose();
    return result;
  });
  expect(out.dims).toEqual({ logits: [10, 10], features: [10, 128] });
  const logitsErr = relativeL2Error(out.logits, goldenF32('mnist-classifier', 'logits'));
  const featuresErr = relativeL2Error(out.features, goldenF32('mnist-classifier', 'features'));
  console.log(
    `classifier: logits rel L2 ${logitsErr.toExponential(2)}, features rel L2 ${featuresErr.toExponential(2)}`,
  );
  expect(logitsErr).toBeLessThanOrEqual(1e-3);
  expect(featuresErr).toBeLessThanOrEqual(1e-3);
  const labels = goldenI32('mnist-classifier', 'label');
  const predicted = Array.from({ length: 10 }, (_, r) => {
    const row = out.logits.slice(r * 10, r * 10 + 10);
    return row.indexOf(Math.max(...row));
  });
  expect(predicted).toEqual(Array.from(labels));
});

test('decoder output feeds the classifier without leaving the GPU', async ({ page }) => {
  const dit = firstBundleOf('dit');
  const out = await page.evaluate(
    async ({ dit }) => {
      const h = await import('./harness.ts');
      const { device } = await h.gpu();
      const ditBundle = await h.loadBundle(dit);
      const vqvae = await h.loadBundle('mnist-vqvae');
      const vae = await h.onnx.VaeDecoder.load(device, await h.loadBundle('mnist-vae'));
      const tokenizer = await h.onnx.VqvaeDecoder.load(device, vqvae);
      const classifier = await h.onnx.DigitClassifier.load(device, await h.loadBundle('mnist-classifier'));
      const latent = h.uploadGolden(device, ditBundle, 'latent');
      const fHat = h.uploadGolden(device, vqvae, 'f_hat');
      const goldenImage = h.uploadGolden(device, ditBundle, 'image');
      // Chained: the decoders' output buffers (onnxruntime's) go straight into the classifier.
      const vaeImage = await vae.decode(latent, 1);
      const chained = await classifier.classifyAndRead(vaeImage.buffer, 1);
      const vqImage = await tokenizer.decode(fHat, 1);
      const vqChained = await classifier.classifyAndRead(vqImage.buffer, 1);
      // Direct: the PyTorch image uploaded by us.
      const direct = await classifier.classifyAndRead(goldenImage, 1);
      for (const t of [vaeImage, vqImage]) t.dispose();
      for (const b of [latent, fHat, goldenImage]) b.destroy();
      await Promise.all([vae.dispose(), tokenizer.dispose(), classifier.dispose()]);
      return {
        chained: Array.from(chained.logits),
        direct: Array.from(direct.logits),
        vq: Array.from(vqChained.logits),
      };
    },
    { dit },
  );
  expect(relativeL2Error(out.chained, out.direct)).toBeLessThanOrEqual(1e-3);
  // The tokenizer golden is a test digit of class manifest.goldens.class (3), reconstructed.
  const vqClass = manifestOf('mnist-vqvae').goldens!.class!;
  expect(out.vq.indexOf(Math.max(...out.vq))).toBe(vqClass);
});

test('typed errors, queued runs and idempotent dispose', async ({ page }) => {
  const r = await page.evaluate(async () => {
    const h = await import('./harness.ts');
    const { OnnxError, VqvaeDecoder, VaeDecoder, GpuTensor } = h.onnx;
    const { device } = await h.gpu();
    const code = async (f: () => unknown): Promise<string> => {
      try {
        await f();
        return 'no error';
      } catch (e) {
        return e instanceof OnnxError ? `${e.code}: ${e.message}` : `other: ${(e as Error).message}`;
      }
    };
    const vqvae = await h.loadBundle('mnist-vqvae');
    const decoder = await VqvaeDecoder.load(device, vqvae);
    const fHat = h.uploadGolden(device, vqvae, 'f_hat');
    // Two runs issued together: queued, both succeed and agree.
    const [a, b] = await Promise.all([decoder.decode(fHat, 1), decoder.decode(fHat, 1)]);
    const [pa, pb] = [await a.read(), await b.read()];
    const queuedAgree = pa.every((v, i) => v === pb[i]);
    // copyTo: into a buffer of ours that outlives the output.
    const kept = device.createBuffer({
      label: 'Spec.kept',
      size: a.byteLength,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    const encoder = device.createCommandEncoder({ label: 'Spec.copyEncoder' });
    a.copyTo(encoder, kept);
    device.queue.submit([encoder.finish()]);
    a.dispose();
    const keptPixels = await h.readF32(device, kept);
    const copyAgrees = keptPixels.length === pa.length && keptPixels.every((v, i) => v === pa[i]);
    kept.destroy();
    a.dispose();
    a.dispose();
    const readAfterDispose = await code(() => a.read());
    b.dispose();
    const wrongBatch = await code(() => decoder.decode(fHat, 2)); // buffer holds one map only
    const wrongFamily = await code(() => VaeDecoder.load(device, vqvae));
    const corrupt = {
      ...vqvae,
      files: new Map([...vqvae.files].map(([k, v]) => [k, k.endsWith('.onnx') ? v.slice(0, 100) : v])),
    };
    const loadFailed = await code(() => VqvaeDecoder.load(device, corrupt));
    await decoder.dispose();
    await decoder.dispose();
    const runAfterDispose = await code(() => decoder.decode(fHat, 1));
    // A buffer of another device, read through ours: the check behind device sharing must catch it.
    const adapter = await navigator.gpu.requestAdapter();
    const otherDevice = await adapter!.requestDevice({ label: 'Spec.otherDevice' });
    const foreign = otherDevice.createBuffer({
      label: 'Spec.foreign',
      size: 4096,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
    });
    const foreignTensor = new GpuTensor(
      device,
      'spec',
      'image',
      h.ort.Tensor.fromGpuBuffer(foreign, { dataType: 'float32', dims: [1, 1, 32, 32] }),
    );
    const notShared = await code(() => foreignTensor.read());
    otherDevice.destroy();
    fHat.destroy();
    return {
      queuedAgree,
      copyAgrees,
      readAfterDispose,
      wrongBatch,
      wrongFamily,
      loadFailed,
      runAfterDispose,
      notShared,
    };
  });
  expect(r.queuedAgree).toBe(true);
  expect(r.copyAgrees).toBe(true);
  expect(r.readAfterDispose).toMatch(/^disposed: mnist-vqvae: output 'image' was disposed/);
  expect(r.wrongBatch).toMatch(
    /^input-invalid: mnist-vqvae: input 'f_hat' \[2, 32, 4, 4\] needs 4096 bytes of f32 but buffer 'Harness.f_hat' has 2048/,
  );
  expect(r.wrongFamily).toMatch(/^bundle-mismatch: mnist-vqvae: is a vqvae bundle.*needs a vae bundle/);
  expect(r.loadFailed).toMatch(/^load-failed: mnist-vqvae: onnxruntime-web could not load decoder\.onnx.*Fix: /);
  expect(r.runAfterDispose).toMatch(/^disposed: mnist-vqvae: the onnxruntime session was disposed/);
  expect(r.notShared).toMatch(/^device-not-shared: spec: copying output 'image' with our GPUDevice failed/);
});
