/** What the page can tell about where it ran; the Node driver adds the machine (CPU, cores, memory). */
import type { GpuContext } from '../../../src/gpu/gpuContext';
import { ortVersion } from './ortMatMulNBits';
import type { BenchEnvironment } from './resultTypes';

interface UserAgentData {
  getHighEntropyValues(hints: string[]): Promise<{ fullVersionList?: { brand: string; version: string }[] }>;
}

/** The readable fields of a WebIDL object (its attributes are getters, which JSON.stringify does not see). */
function plainFields(object: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in object) {
    const value = (object as Record<string, unknown>)[key];
    if (typeof value === 'function') continue;
    out[key] = Array.isArray(value)
      ? value.map((v) => (v !== null && typeof v === 'object' ? plainFields(v) : v))
      : value;
  }
  return out;
}

/** Every field of GPUAdapterInfo the browser exposes (vendor, architecture, description, subgroup sizes, ...). */
function adapterInfoFields(device: GPUDevice): Record<string, unknown> {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  return info ? plainFields(info) : {};
}

export async function collectEnvironment(context: GpuContext, label: string): Promise<BenchEnvironment> {
  // Dawn for Node (tools/bench/gpu-check.sh without a browser) may have no navigator at all.
  const nav = typeof navigator !== 'undefined' ? navigator : undefined;
  const uaData = (nav as (Navigator & { userAgentData?: UserAgentData }) | undefined)?.userAgentData;
  const brands = uaData
    ? (await uaData.getHighEntropyValues(['fullVersionList']).catch(() => ({ fullVersionList: undefined })))
        .fullVersionList
    : undefined;
  return {
    adapterLabel: label,
    adapter: context.adapter,
    adapterInfo: adapterInfoFields(context.device),
    deviceFeatures: [...context.device.features].sort(),
    userAgent:
      nav?.userAgent ??
      `Node.js ${(globalThis as { process?: { version?: string } }).process?.version ?? '?'} (no browser)`,
    browserBrands: brands,
    hardwareConcurrency: nav?.hardwareConcurrency ?? 0,
    ortVersion: ortVersion(),
    crossOriginIsolated: globalThis.crossOriginIsolated ?? false,
  };
}
