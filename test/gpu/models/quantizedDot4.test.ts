/**
 * quantized.test.ts again with the dot4I8Packed path on: Dawn for Node has no navigator, so the KernelSet's
 * Dot4MatmulKernel (which reads navigator.gpu.wgslLanguageFeatures, as in a browser) would take the fallback in
 * every other Node test (and on a CPU adapter the runtime keeps the fallback anyway). Here navigator.gpu exposes
 * Dawn's language features first and useOnCpuAdapters is set, so the A8 settings with INT4/INT8
 * weights (W4g32-A8, W8g32-A8t) run the integer path through the whole model, against the same CPU fake-quant
 * reference and tolerances. Skipped with the reason where Dawn lacks packed_4x8_integer_dot_product.
 */
import { dawnGpu } from '../device';
import { Dot4MatmulKernel } from '../../../src/kernels';

const features = dawnGpu().wgslLanguageFeatures as ReadonlySet<string> | undefined;
const g = globalThis as { navigator?: { gpu?: unknown } };
if (features?.has('packed_4x8_integer_dot_product')) {
  g.navigator ??= {};
  g.navigator.gpu ??= { wgslLanguageFeatures: features };
  // SwiftShader is a CPU adapter, where the runtime otherwise keeps the fallback (Dot4MatmulKernel.useOnCpuAdapters).
  Dot4MatmulKernel.useOnCpuAdapters = true;
  await import('./quantized.test');
} else {
  const { it } = await import('vitest');
  it.skip('quantised models with dot4I8Packed: packed_4x8_integer_dot_product is absent from Dawn here (the fallback runs in quantized.test.ts)', () => {});
}
