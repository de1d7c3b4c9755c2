/**
 * The shipped sweep (public/sweeps/mnist-sweep.json, written by `npm run sweep`): fetched once, checked
 * enough that a wrong file fails with a message instead of a blank chart. A missing file is not an error:
 * the chart says how to make one. An older file (formatVersion 1: class-aligned jackknife groups, no KID, no
 * real-data floor) loads with notices that say what it lacks. Each row's setting text is parsed here, once; a
 * row whose setting this build cannot read (a newer file) is left out and named in a notice.
 */
import type { QualityPoint, RealDataFloor, SweepFile, SweepRow } from '../../engine/quality/types';
import { fromSweepRow } from '../../engine/quality/sweepRow';

export type SweepLoad =
  | { state: 'missing' }
  | { state: 'ready'; sweep: SweepFile; notices: readonly string[] }
  | { state: 'invalid'; message: string; fix: string };

const SWEEP_FIX = 'Re-create it with `npm run sweep` (written by the same engine version as this app).';

export class SweepFormatError extends Error {
  readonly code = 'invalid-sweep';
  readonly fix = SWEEP_FIX;
  constructor(problem: string) {
    super(`The sweep file is not usable: ${problem}.`);
    this.name = 'SweepFormatError';
  }
}

const NUMBER_FIELDS = [
  'depth',
  'linearParams',
  'totalParams',
  'weightBits',
  'bitsPerWeight',
  'activationBits',
  'totalWeightBits',
  'computeBits',
  'samples',
  'fd',
  'fdStdErr',
  'accuracy',
] as const;
const STRING_FIELDS = ['modelId', 'family', 'setting', 'method'] as const;

const FLOOR_NUMBERS = ['samples', 'fd', 'fdStdErr', 'kid', 'kidSe'] as const;

export interface ParsedSweep {
  readonly sweep: SweepFile;
  /** "modelId setting: why" of each row left out because this build cannot read its setting. */
  readonly unreadable: readonly string[];
}

/** Throws SweepFormatError naming the first problem. */
export function parseSweep(data: unknown): ParsedSweep {
  if (!isObject(data)) throw new SweepFormatError('it is not a JSON object');
  if (data.formatVersion !== 1 && data.formatVersion !== 2)
    throw new SweepFormatError(`formatVersion is ${JSON.stringify(data.formatVersion)}, this app reads 1 and 2`);
  if (!Array.isArray(data.points)) throw new SweepFormatError('it has no points array');
  if (!isObject(data.config) || typeof data.config.samples !== 'number')
    throw new SweepFormatError('it has no config.samples (the N of every point)');
  data.points.forEach((p: unknown, i: number) => checkPoint(p, i));
  if (data.realDataFloor !== undefined) checkFloor(data.realDataFloor);
  const points: QualityPoint[] = [];
  const unreadable: string[] = [];
  for (const row of data.points as SweepRow[]) {
    try {
      points.push(fromSweepRow(row));
    } catch (error) {
      unreadable.push(`${row.modelId} ${row.setting}: ${(error as Error).message}`);
    }
  }
  return { sweep: { ...(data as unknown as SweepFile), points }, unreadable };
}

function checkFloor(f: unknown): asserts f is RealDataFloor {
  if (!isObject(f)) throw new SweepFormatError('realDataFloor is not an object');
  for (const k of FLOOR_NUMBERS)
    if (typeof f[k] !== 'number') throw new SweepFormatError(`realDataFloor has no number ${k}`);
  if (typeof f.source !== 'string')
    throw new SweepFormatError('realDataFloor has no string source (where its digits came from)');
}

/**
 * What a loaded file lacks, in words for the panel: a formatVersion 1 file's error bars (class-aligned groups),
 * missing KID, a missing or mismatched real-data floor, points without an engine. Empty for a complete file.
 */
export function sweepNotices(sweep: SweepFile, unreadable: readonly string[] = []): string[] {
  const notices: string[] = [];
  if (unreadable.length > 0)
    notices.push(
      `${unreadable.length} points are not drawn: this version of the app cannot read their settings (${unreadable.join('; ')}). Reload the app to get its newest version.`,
    );
  const n = sweep.config.samples;
  if (sweep.formatVersion === 1) {
    notices.push(
      `This sweep file predates issue 11 (formatVersion 1): its FD error bars come from jackknife groups that each held one whole class, which makes them several times too wide, and it has no KID and no real-data floor. Re-measure it (npm run sweep) for calibrated errors, KID and the floor.`,
    );
  } else {
    const withoutKid = sweep.points.filter((p) => p.kid === undefined).length;
    if (withoutKid > 0)
      notices.push(
        `${withoutKid} of ${sweep.points.length} points have no KID (measured with a classifier bundle without a KID reference).`,
      );
    if (!sweep.realDataFloor) notices.push(`This file has no real-data floor at N = ${n}, so no floor band is drawn.`);
    else if (sweep.realDataFloor.samples !== n)
      notices.push(
        `The real-data floor was measured at N = ${sweep.realDataFloor.samples}, the points at N = ${n}: FD is not comparable across N, so no floor band is drawn.`,
      );
    const withoutEngine = sweep.points.filter((p) => p.engine === undefined).length;
    if (withoutEngine > 0)
      notices.push(`${withoutEngine} of ${sweep.points.length} points do not say which engine measured them.`);
  }
  return notices;
}

function checkPoint(p: unknown, i: number): asserts p is SweepRow {
  if (!isObject(p)) throw new SweepFormatError(`point ${i} is not an object`);
  for (const f of STRING_FIELDS)
    if (typeof p[f] !== 'string') throw new SweepFormatError(`point ${i} has no string ${f}`);
  // FD can be NaN-as-null for a setting that produced no usable samples; every other number must be there.
  for (const f of NUMBER_FIELDS) {
    if (typeof p[f] !== 'number' && !(f === 'fd' && p[f] === null))
      throw new SweepFormatError(`point ${i} (${String(p.modelId)} ${String(p.setting)}) has no number ${f}`);
  }
  if (p.family !== 'var' && p.family !== 'dit')
    throw new SweepFormatError(`point ${i} has family ${JSON.stringify(p.family)}`);
  // Optional (newer files): the leave-one-group-out FDs that pair points measured on the same draws.
  if (
    p.fdLeaveOut !== undefined &&
    !(Array.isArray(p.fdLeaveOut) && p.fdLeaveOut.every((v) => typeof v === 'number'))
  ) {
    throw new SweepFormatError(
      `point ${i} (${String(p.modelId)} ${String(p.setting)}) has an fdLeaveOut that is not a list of numbers`,
    );
  }
  if (p.seed !== undefined && !Number.isInteger(p.seed))
    throw new SweepFormatError(`point ${i} has seed ${JSON.stringify(p.seed)}`);
  // Optional (formatVersion 2): KID with its error and leave-outs, and the engine that measured the point.
  for (const f of ['kid', 'kidSe'] as const) {
    if (p[f] !== undefined && typeof p[f] !== 'number')
      throw new SweepFormatError(
        `point ${i} (${String(p.modelId)} ${String(p.setting)}) has a ${f} that is not a number`,
      );
  }
  if ((p.kid === undefined) !== (p.kidSe === undefined))
    throw new SweepFormatError(
      `point ${i} (${String(p.modelId)} ${String(p.setting)}) has one of kid and kidSe without the other`,
    );
  if (
    p.kidLeaveOut !== undefined &&
    !(Array.isArray(p.kidLeaveOut) && p.kidLeaveOut.every((v) => typeof v === 'number'))
  ) {
    throw new SweepFormatError(
      `point ${i} (${String(p.modelId)} ${String(p.setting)}) has a kidLeaveOut that is not a list of numbers`,
    );
  }
  if (p.engine !== undefined && p.engine !== 'webgpu' && p.engine !== 'pytorch')
    throw new SweepFormatError(`point ${i} has engine ${JSON.stringify(p.engine)} (webgpu or pytorch)`);
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
    const { sweep, unreadable } = parseSweep(data);
    return { state: 'ready', sweep, notices: sweepNotices(sweep, unreadable) };
  } catch (error) {
    return { state: 'invalid', message: (error as Error).message, fix: SWEEP_FIX };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
