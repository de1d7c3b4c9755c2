/**
 * FD and accuracy the way the UI will compute them (SampleQualityTracker: classifier on GPU-resident images,
 * features read back and accumulated in f64, FD against the classifier bundle's fd-stats, jackknife error
 * bar), on the classifier's 10 golden test digits. Checked in Node against the FD of the PyTorch golden
 * features (same statistics file, FrechetReference) and the golden labels.
 */
import { expect, test } from '@playwright/test';
import { FeatureAccumulator, FrechetReference } from '../../src/metrics/index.ts';
import { fdStats, goldenF32, goldenI32 } from './goldens.ts';

test('FD of the 10 golden digits against the shipped fd-stats, through SampleQualityTracker', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
  await page.goto('/e2e/modules/harness.html');
  await page.waitForFunction(() => document.body.dataset.ready === '1');
  const labels = Array.from(goldenI32('mnist-classifier', 'label'));
  const r = await page.evaluate(async (labels) => {
    const h = await import('./harness.ts');
    const { device } = await h.gpu();
    const bundle = await h.loadBundle('mnist-classifier');
    const classifier = await h.onnx.DigitClassifier.load(device, bundle);
    const tracker = new h.onnx.SampleQualityTracker(classifier);
    const images = h.uploadGolden(device, bundle, 'image');
    // Two batches (4 + 6 digits), as samples would arrive: the second starts 4 images into the buffer, so copy it.
    const rest = device.createBuffer({
      label: 'Spec.rest',
      size: 6 * 1024 * 4,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    const encoder = device.createCommandEncoder({ label: 'Spec.splitEncoder' });
    encoder.copyBufferToBuffer(images, 4 * 1024 * 4, rest, 0, 6 * 1024 * 4);
    device.queue.submit([encoder.finish()]);
    const first = await tracker.addImages(images, 4, labels.slice(0, 4));
    const second = await tracker.addImages(rest, 6, labels.slice(4));
    const fd = tracker.fd();
    const estimate = tracker.fdEstimate();
    const result = {
      fd,
      estimate,
      count: tracker.count,
      accuracy: tracker.accuracy(),
      labels: [...first.predictions, ...second.predictions].map((p) => p.label),
      confidences: [...first.predictions, ...second.predictions].map((p) => p.confidence),
      realFd: classifier.realFd,
    };
    images.destroy();
    rest.destroy();
    await classifier.dispose();
    return result;
  }, labels);

  const { mu, sigma } = fdStats('mnist-classifier');
  const golden = FeatureAccumulator.fromRows(goldenF32('mnist-classifier', 'features'), 10, 128);
  const goldenFd = new FrechetReference(mu, sigma).distance(golden.mean(), golden.covariance());
  console.log(
    `FD of 10 golden digits: browser ${r.fd.toFixed(4)}, PyTorch features ${goldenFd.toFixed(4)}; jackknife stdError ` +
      `${r.estimate.stdError.toFixed(1)}; realFd (1,000 digits) ${r.realFd.toFixed(2)}`,
  );
  expect(r.count).toBe(10);
  expect(Number.isFinite(r.fd)).toBe(true);
  expect(r.fd).toBeGreaterThan(0);
  expect(Math.abs(r.fd - goldenFd) / goldenFd).toBeLessThan(1e-4);
  // 10 samples in 128 dimensions: far above the 1,000-sample floor, as it should be.
  expect(r.fd).toBeGreaterThan(r.realFd);
  expect(r.estimate.fd).toBe(r.fd);
  expect(r.estimate.stdError).toBeGreaterThan(0);
  expect(r.estimate.groups).toBe(10);
  // 10 samples < 128 features: no small-sample extrapolation (src/metrics/fdErrorBar.ts says why).
  expect(r.estimate.extrapolated).toBeUndefined();
  expect(r.labels).toEqual(labels);
  expect(r.accuracy).toBe(1);
  for (const c of r.confidences) expect(c).toBeGreaterThan(0.5);
  expect(errors).toEqual([]);
});
