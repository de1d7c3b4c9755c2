/**
 * Full-precision parity of the GPU engine (Dawn for Node, SwiftShader) with the PyTorch goldens of the bundles,
 * through the same code as the parity page and tools/parity/parity.mjs (tools/parity/src). Every golden tensor within 1e-3
 * of its max magnitude, tokens exactly. Smallest bundle of each family by default; MODEL_TESTS=all for every one.
 * PARITY_OUT=<file> also writes the report as JSON (tools/parity/parity.mjs --dawn uses it).
 */
import { writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { testDevice } from '../device';
import { formatParityTable, runParity } from '../../../tools/parity/src/runParity';
import { bundleIds, diskSource } from './bundles';

const ids = [...bundleIds('var'), ...bundleIds('dit')];

it.runIf(ids.length > 0)(
  `parity with the PyTorch goldens: ${ids.join(', ')}`,
  async () => {
    const device = await testDevice();
    const report = await runParity(device, diskSource, { ids, deviceLabel: 'Dawn for Node (SwiftShader)' });
    console.log(formatParityTable(report));
    if (process.env.PARITY_OUT) writeFileSync(process.env.PARITY_OUT, JSON.stringify(report, null, 2));
    expect(report.skipped).toEqual([]);
    expect(report.rows.filter((r) => !r.pass)).toEqual([]);
  },
  600_000,
);
