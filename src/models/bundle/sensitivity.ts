/**
 * Optional `sensitivity` field of a generator manifest: how much each quantised Linear alone hurts the model at
 * each weight width, measured offline by the PyTorch reference (training/mixed_precision.py: relative output MSE
 * with that Linear alone at b bits, the others at full precision). `-mp<B>` settings allocate per-Linear bits from
 * it (src/quant/mixedPrecision.ts), and the analysis view shows it. Both engines read the same numbers, so they
 * allocate the same bits.
 */
import type { FieldReader, Json } from './fields.ts';

export interface LayerSensitivityEntry {
  /** Linear module path as in the tensor index without '.weight' (e.g. 'blocks.0.ffn.fc1'). */
  readonly name: string;
  /** Weights of the Linear (rows x cols of `<name>.weight`). */
  readonly params: number;
  /** Error at each measured code width, keyed by the width ('2' .. '8'). */
  readonly errorByBits: Readonly<Record<string, number>>;
}

export interface SensitivityTable {
  /** What each number is, in words (e.g. 'relative output MSE, one Linear at b bits (RTN, INT symmetric)'). */
  readonly metric: string;
  /** Granularity token the widths were measured at ('g32'). */
  readonly granularity: string;
  readonly layers: readonly LayerSensitivityEntry[];
}

/** More Linears than any transformer we load has (d30: 5 per block + a few outside): bounds the work on hostile files. */
export const MAX_SENSITIVITY_LAYERS = 4096;

export function checkSensitivity(
  r: FieldReader,
  value: unknown,
  path: string,
  tensors: readonly unknown[],
): SensitivityTable {
  const s = r.object(value, path);
  r.str(s, 'metric', path);
  r.str(s, 'granularity', path);
  const layers = r.array(s, 'layers', path);
  r.check(
    layers.length <= MAX_SENSITIVITY_LAYERS,
    `${path}.layers`,
    `at most ${MAX_SENSITIVITY_LAYERS} entries`,
    layers.length,
  );
  const shapes = new Map<string, unknown>();
  for (const t of tensors) {
    const e = t as Json;
    if (typeof e?.name === 'string') shapes.set(e.name, e.shape);
  }
  const seen = new Set<string>();
  layers.forEach((l, i) => {
    const p = `${path}.layers[${i}]`;
    const e: Json = r.object(l, p);
    const name = r.str(e, 'name', p);
    r.check(!seen.has(name), `${p}.name`, 'a Linear listed once', name);
    seen.add(name);
    const shape = shapes.get(`${name}.weight`);
    r.check(
      Array.isArray(shape) && shape.length === 2,
      `${p}.name`,
      `a Linear of the tensor index (a 2-D tensor '${name}.weight')`,
      name,
    );
    const params = r.int(e, 'params', p, 1);
    const [rows, cols] = shape as number[];
    r.check(
      params === rows! * cols!,
      `${p}.params`,
      `${rows} x ${cols} = ${rows! * cols!} (the weight's size)`,
      params,
    );
    const errors = r.object(e.errorByBits, `${p}.errorByBits`);
    r.check(Object.keys(errors).length > 0, `${p}.errorByBits`, 'at least one width', errors);
    for (const [bits, v] of Object.entries(errors)) {
      r.check(/^[1-9]$|^1[0-6]$/.test(bits), `${p}.errorByBits`, 'keys that are code widths 1..16', bits);
      r.check(
        typeof v === 'number' && Number.isFinite(v) && v >= 0,
        `${p}.errorByBits.${bits}`,
        'a finite number >= 0',
        v,
      );
    }
  });
  return s as unknown as SensitivityTable;
}
