/**
 * The shipped sweep (public/sweeps/mnist-sweep.json, written by `npm run sweep`): fetched once, checked
 * enough that a wrong file fails with a message instead of a blank chart. A missing file is not an error:
 * the chart says how to make one.
 */
import type { QualityPoint, SweepFile } from '../../engine/quality/types';

export type SweepLoad = { state: 'missing' } | { state: 'ready'; sweep: SweepFile } | { state: 'invalid'; message: string; fix: string };

const SWEEP_FIX = 'Re-create it with `npm run sweep` (written by the same engine version as this app).';

export class SweepFormatError extends Error {
  readonly code = 'invalid-sweep';
  readonly fix = SWEEP_FIX;
  constructor(problem: string) {
    super(`The sweep file is not usable: ${problem}.`);
    this.name = 'SweepFormatError';
  }
}

const NUMBER_FIELDS = ['depth', 'linearParams', 'totalParams', 'weightBits', 'bitsPerWeight', 'activationBits', 'totalWeightBits', 'computeBits', 'samples', 'fd', 'fdStdErr', 'accuracy'] as const;
const STRING_FIELDS = ['modelId', 'family', 'setting', 'method'] as const;

/** Throws SweepFormatError naming the first problem. */
export function parseSweep(data: unknown): SweepFile {
  if (!isObject(data)) throw new SweepFormatError('it is not a JSON object');
  if (data.formatVersion !== 1) throw new SweepFormatError(`formatVersion is ${JSON.stringify(data.formatVersion)}, this app reads 1`);
  if (!Array.isArray(data.points)) throw new SweepFormatError('it has no points array');
  data.points.forEach((p: unknown, i: number) => checkPoint(p, i));
  return data as unknown as SweepFile;
}

function checkPoint(p: unknown, i: number): asserts p is QualityPoint {
  if (!isObject(p)) throw new SweepFormatError(`point ${i} is not an object`);
  for (const f of STRING_FIELDS) if (typeof p[f] !== 'string') throw new SweepFormatError(`point ${i} has no string ${f}`);
  // FD can be NaN-as-null for a setting that produced no usable samples; every other number must be there.
  for (const f of NUMBER_FIELDS) {
    if (typeof p[f] !== 'number' && !(f === 'fd' && p[f] === null)) throw new SweepFormatError(`point ${i} (${String(p.modelId)} ${String(p.setting)}) has no number ${f}`);
  }
  if (p.family !== 'var' && p.family !== 'dit') throw new SweepFormatError(`point ${i} has family ${JSON.stringify(p.family)}`);
  // Optional (newer files): the leave-one-group-out FDs that pair points measured on the same draws.
  if (p.fdLeaveOut !== undefined && !(Array.isArray(p.fdLeaveOut) && p.fdLeaveOut.every((v) => typeof v === 'number'))) {
    throw new SweepFormatError(`point ${i} (${String(p.modelId)} ${String(p.setting)}) has an fdLeaveOut that is not a list of numbers`);
  }
  if (p.seed !== undefined && !Number.isInteger(p.seed)) throw new SweepFormatError(`point ${i} has seed ${JSON.stringify(p.seed)}`);
}

/** Fetches and parses; a 404 (or the dev server's HTML fallback page) means "not made yet". */
export async function loadSweep(url: string, fetchImpl: typeof fetch = fetch): Promise<SweepLoad> {
  const response = await fetchImpl(url);
  if (response.status === 404) return { state: 'missing' };
  if (!response.ok) throw new Error(`Fetching ${url} failed: HTTP ${response.status}.`);
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('text/html')) return { state: 'missing' };
  let data: unknown;
  try {
    data = await response.json();
  } catch (error) {
    return { state: 'invalid', message: `The sweep file is not JSON (${(error as Error).message}).`, fix: SWEEP_FIX };
  }
  try {
    return { state: 'ready', sweep: parseSweep(data) };
  } catch (error) {
    return { state: 'invalid', message: (error as Error).message, fix: SWEEP_FIX };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
