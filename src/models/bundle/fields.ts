/**
 * Small typed readers for JSON fields. Each failure names the file and the exact field path
 * (`config.patchNums[2]`), says what was expected and what was found, so a hand-edited or stale manifest is
 * easy to repair.
 */
import { BundleError, REEXPORT_FIX } from './errors.ts';

export type Json = Record<string, unknown>;

export class FieldReader {
  constructor(
    readonly file: string,
    private readonly fix: string = REEXPORT_FIX,
  ) {}

  fail(path: string, expected: string, found: unknown): never {
    throw new BundleError('bad-manifest', `field '${path}' should be ${expected}, found ${describe(found)}.`, {
      file: this.file,
      fix: this.fix,
    });
  }

  object(value: unknown, path: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'an object', value);
    return value as Json;
  }

  int(obj: Json, key: string, path: string, min = 0): number {
    const v = obj[key];
    if (!Number.isSafeInteger(v) || (v as number) < min) this.fail(`${path}.${key}`, `an integer >= ${min}`, v);
    return v as number;
  }

  num(obj: Json, key: string, path: string): number {
    const v = obj[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`${path}.${key}`, 'a finite number', v);
    return v;
  }

  str(obj: Json, key: string, path: string): string {
    const v = obj[key];
    if (typeof v !== 'string' || v.length === 0) this.fail(`${path}.${key}`, 'a non-empty string', v);
    return v;
  }

  bool(obj: Json, key: string, path: string): boolean {
    const v = obj[key];
    if (typeof v !== 'boolean') this.fail(`${path}.${key}`, 'true or false', v);
    return v;
  }

  array(obj: Json, key: string, path: string): unknown[] {
    const v = obj[key];
    if (!Array.isArray(v)) this.fail(`${path}.${key}`, 'an array', v);
    return v;
  }

  intArray(obj: Json, key: string, path: string, min = 0): number[] {
    const a = this.array(obj, key, path);
    a.forEach((v, i) => {
      if (!Number.isSafeInteger(v) || (v as number) < min) this.fail(`${path}.${key}[${i}]`, `an integer >= ${min}`, v);
    });
    return a as number[];
  }

  numArray(obj: Json, key: string, path: string): number[] {
    const a = this.array(obj, key, path);
    a.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`${path}.${key}[${i}]`, 'a finite number', v);
    });
    return a as number[];
  }

  oneOf<T extends string>(obj: Json, key: string, path: string, allowed: readonly T[]): T {
    const v = obj[key];
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      this.fail(`${path}.${key}`, `one of ${allowed.join(', ')}`, v);
    }
    return v as T;
  }

  /** A consistency rule between fields (e.g. width = heads * headDim). */
  check(ok: boolean, path: string, expected: string, found: unknown): void {
    if (!ok) this.fail(path, expected, found);
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new BundleError('bad-json', `not valid JSON (${(e as Error).message}).`, { file, fix: REEXPORT_FIX });
  }
}
