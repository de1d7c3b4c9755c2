/**
 * Workaround for a use-after-free in test/gpu/device.ts: createDevice() keeps the adapter and device but drops the
 * GPU object that `create([])` returned, and Dawn for Node frees its native instance when that object is garbage
 * collected, while the device still schedules InstanceBase::ProcessEvents on it. The process then dies at random
 * (`std::system_error: Invalid argument` or a pthread mutex assertion) after enough allocations to trigger a GC
 * (reproduced with a plain node script; pinning the GPU object makes it disappear).
 *
 * Until device.ts keeps its `gpu` in module scope, importing this module first pins every GPU object that
 * requests an adapter. Harmless once device.ts is fixed.
 */
import { globals } from 'webgpu';

const pinned = new Set<unknown>();
const gpuClass = (globals as unknown as { GPU: { prototype: GPU } }).GPU;
const marker = Symbol.for('kernelTests.gpuPinned');
const prototype = gpuClass.prototype as GPU & { [marker]?: true };
if (!prototype[marker]) {
  const requestAdapter = prototype.requestAdapter;
  prototype.requestAdapter = function (this: GPU, options?: GPURequestAdapterOptions) {
    pinned.add(this);
    return requestAdapter.call(this, options);
  };
  prototype[marker] = true;
}
