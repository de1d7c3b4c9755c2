import { useEffect } from 'react';
import { useAppStore } from '../../store';
import { adapterLabel } from '../../gpu/gpuContext';
import { ErrorPanel } from '../../components/ErrorPanel';

/** Adapter, features and limits in one line; a clear panel with the fix when WebGPU is missing or lost. */
export function GpuStatusBar() {
  const status = useAppStore((s) => s.gpuStatus);
  const startGpu = useAppStore((s) => s.startGpu);
  useEffect(() => {
    void startGpu();
  }, [startGpu]);

  if (status.state === 'starting')
    return (
      <p className="status-bar" aria-live="polite">
        Starting WebGPU…
      </p>
    );
  if (status.state === 'failed') {
    const lost = status.error.code === 'device-lost';
    return (
      <ErrorPanel
        headingLevel={2}
        title={lost ? 'The GPU device was lost' : 'WebGPU is not available'}
        message={status.error.message}
        fix={status.error.fix}
        action={
          <button type="button" onClick={() => void startGpu(true)}>
            Restart GPU
          </button>
        }
      />
    );
  }
  const { adapter, hasShaderF16, hasSubgroups } = status.info;
  return (
    <p className="status-bar" aria-live="polite" data-testid="gpu-ready">
      <span className="dot ok" aria-hidden /> WebGPU ready on <strong>{adapterLabel(adapter)}</strong>
      {adapter.isFallbackAdapter && ' (software fallback)'} · shader-f16 {hasShaderF16 ? 'yes' : 'no (f32 paths)'} ·
      subgroups {hasSubgroups ? 'yes' : 'no'} · max storage binding{' '}
      {(adapter.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB
    </p>
  );
}
