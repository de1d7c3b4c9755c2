import { afterEach } from 'vitest';
import { testDevice, takeUncapturedErrors } from './device';

// A GPU test fails on any uncaptured WebGPU error (validation, out-of-memory, internal).
afterEach(async () => {
  const device = await testDevice();
  await device.queue.onSubmittedWorkDone();
  const errors = takeUncapturedErrors();
  if (errors.length > 0) throw new Error(`Uncaptured WebGPU error(s):\n${errors.join('\n')}`);
});
