/**
 * What one bench run covers, read from the page URL (`/tools/bench/bench.html?auto=1&quick=1&filter=int4`) so the Node
 * driver and a person at the page configure it the same way.
 */
import type { WeightFormat } from '../../../src/quant';
import { formatName } from '../../../src/quant';

export interface WeightCaseSpec {
  readonly format: WeightFormat;
  readonly groupSize: 32 | 128;
  /** Why the case is in the list: the main grid, or a companion that gives onnxruntime the same weights. */
  readonly role: 'main' | 'ort-companion';
}

export interface BenchConfig {
  /** K = N of every square weight. */
  readonly sizes: readonly number[];
  /** Tokens of the GEMM cases (GEMV is m = 1). */
  readonly gemmM: number;
  readonly weightCases: readonly WeightCaseSpec[];
  /** Case-id regular expression (see caseId); empty runs everything. */
  readonly filter: string;
  readonly warmup: number;
  readonly minReps: number;
  readonly maxReps: number;
  /** Repetitions are chosen per case so that timing it takes about this long (SwiftShader is slow). */
  readonly targetCaseMs: number;
  /**
   * A case whose single run is predicted (from the same case at the previous size, scaled by K*N) to exceed this
   * is skipped and listed as skipped, so one pathological op cannot eat the whole run.
   */
  readonly maxRunMs: number;
  /** Timed repetitions of one case stop at this total, even below minReps (at least one). */
  readonly maxCaseMs: number;
  readonly includeOrt: boolean;
  readonly quick: boolean;
  readonly seed: number;
  /** Relative error (max |diff| / max |reference|) above which a case counts as broken and is not timed. */
  readonly tolerance: number;
}

const int = (bits: 2 | 3 | 4 | 5 | 6 | 7 | 8, symmetric = true): WeightFormat => ({ kind: 'int', bits, symmetric });
const fp = (name: 'e4m3' | 'e5m2' | 'e3m2' | 'e2m3' | 'e2m1'): WeightFormat => ({ kind: 'fp', name });

const FULL_FORMATS: WeightFormat[] = [
  int(2),
  int(3),
  int(4),
  int(5),
  int(6),
  int(7),
  int(8),
  int(4, false),
  int(8, false),
  fp('e4m3'),
  fp('e5m2'),
  fp('e3m2'),
  fp('e2m3'),
  fp('e2m1'),
];
const QUICK_FORMATS: WeightFormat[] = [int(4), int(8), int(4, false), fp('e4m3'), fp('e2m1')];

function weightCases(formats: WeightFormat[]): WeightCaseSpec[] {
  const main = formats.map((format): WeightCaseSpec => ({ format, groupSize: 128, role: 'main' }));
  // onnxruntime's MatMulNBits is also benchmarked at block 32: run our kernel on the very same int4/int8 weights.
  const companions = formats
    .filter((f) => f.kind === 'int' && f.symmetric && (f.bits === 4 || f.bits === 8))
    .map((format): WeightCaseSpec => ({ format, groupSize: 32, role: 'ort-companion' }));
  return [...main, ...companions];
}

/** Reads the config from URL parameters; every parameter is optional. */
export function configFromUrl(search: string): BenchConfig {
  const params = new URLSearchParams(search);
  const quick = params.get('quick') === '1';
  const sizes = params.get('sizes')?.split(',').map(Number) ?? (quick ? [256, 1024] : [256, 1024, 4096]);
  for (const s of sizes) {
    if (!Number.isInteger(s) || s < 128 || s % 128 !== 0)
      throw new Error(`sizes: ${s} must be a multiple of 128 (the main group size)`);
  }
  const number = (name: string, fallback: number): number => {
    const raw = params.get(name);
    const value = raw === null ? fallback : Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name}=${raw} must be a non-negative number`);
    return value;
  };
  return {
    sizes,
    gemmM: number('m', 64),
    weightCases: weightCases(quick ? QUICK_FORMATS : FULL_FORMATS),
    filter: params.get('filter') ?? '',
    warmup: number('warmup', 2),
    minReps: Math.max(1, number('minReps', 3)),
    maxReps: Math.max(1, number('maxReps', 30)),
    targetCaseMs: number('targetCaseMs', quick ? 400 : 1500),
    maxRunMs: number('maxRunMs', 45_000),
    maxCaseMs: number('maxCaseMs', 12_000),
    includeOrt: params.get('ort') !== '0',
    quick,
    seed: number('seed', 1234),
    tolerance: number('tolerance', 1e-3),
  };
}

export type Variant = 'gemv' | 'gemm';

/** Stable id of a measured case, e.g. "gemv/int4s/g128/1024", "gemm/f32/4096", "copy/int4s/g128/1024", "gemv/ort-int4-blk32/1024". */
export function caseId(variant: Variant | 'copy', what: string, size: number): string {
  return `${variant}/${what}/${size}`;
}

export function weightCaseName(spec: WeightCaseSpec): string {
  return `${formatName(spec.format)}/g${spec.groupSize}`;
}

export function matchesFilter(config: BenchConfig, id: string): boolean {
  return config.filter === '' || new RegExp(config.filter).test(id);
}
