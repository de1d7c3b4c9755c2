/**
 * The one setting editor: what a setting picker shows and does, as pure functions over a QuantSetting. Each
 * control is a field; a field has a value (the <select>'s value), the options it may offer in a context, and an
 * edit that changes that field alone. Every option and label comes from the vocabulary (vocabulary.ts). The
 * React <SettingPicker> (src/components/SettingPicker.tsx) renders these and nothing else, for the playground,
 * the analysis weight view, the scaling-law live point and the format explorer.
 */
import { INT_BITS, type IntBits } from './formats';
import { FULL_PRECISION, RTN, parseSetting, settingToString, type QuantSetting } from './setting';
import {
  ACTIVATION_FORMAT_ROWS,
  GRANULARITY_ROWS,
  METHOD_ROWS,
  NOT_QUANTISED_BITS,
  NOT_QUANTISED_LABEL,
  TRANSFORM_ROWS,
  WEIGHT_FORMAT_ROWS,
  activationFormatRow,
  granularityRow,
  methodRow,
  transformRow,
  weightFormatRow,
} from './vocabulary';

export type SettingField =
  | 'weightFormat'
  | 'weightBits'
  | 'zeroPoint'
  | 'granularity'
  | 'activation'
  | 'method'
  | 'alpha'
  | 'hadamard'
  | 'lowRank';

/** The control a field is shown with: a <select> of fieldOptions, or a checkbox whose value is 'on' or 'off'. */
export function fieldControl(field: SettingField): 'select' | 'checkbox' {
  return field === 'hadamard' ? 'checkbox' : 'select';
}

export interface FieldOption {
  readonly value: string;
  readonly label: string;
}

/** A student bundle shipped for one setting (its method is the trained one). */
export interface StudentChoice {
  readonly setting: QuantSetting;
}

export interface EditorContext {
  /**
   * 'model': a whole setting run on a model (weights may stay unquantised; activations and method too).
   * 'weights': the weight part only (the format explorer and the weight grid view).
   */
  readonly scope: 'model' | 'weights';
  /** Students of the model shown, offered as trained methods. */
  readonly students?: readonly StudentChoice[];
}

/** Activation formats the pickers offer (per token INT; others stay readable from links). */
const OFFERED_ACTIVATIONS = ['8', '6', '4'];
/** -lr ranks the pickers offer ('0' = no branch); a link may hold any other rank. */
export const LOW_RANK_RANKS = [8, 16, 32] as const;
/** SmoothQuant migration strengths the pickers offer. */
export const SMOOTHQUANT_ALPHAS = [0.25, 0.5, 0.75, 0.85] as const;
const NOT_QUANTISED = String(NOT_QUANTISED_BITS);
const DEFAULT_GRANULARITY = GRANULARITY_ROWS[0].granularity;

export const FIELD_LABELS: Record<SettingField, { readonly label: string; readonly hint: string }> = {
  weightFormat: {
    label: 'Weight format',
    hint: 'INT: evenly spaced levels. FP: levels dense near zero (OCP MX elements).',
  },
  weightBits: { label: 'Weight bits', hint: `Bits per weight code; ${NOT_QUANTISED} keeps weights in full precision.` },
  zeroPoint: { label: 'Zero point', hint: 'Asymmetric stores an f16 offset per group too.' },
  granularity: {
    label: 'Group size',
    hint: 'Weights sharing one f16 scale; smaller groups cost more bits but fit better.',
  },
  activation: {
    label: 'Activation bits',
    hint: `Inputs of every quantised Linear, per token; ${NOT_QUANTISED} = ${NOT_QUANTISED_LABEL}.`,
  },
  hadamard: { label: transformRow('hadamard').label, hint: transformRow('hadamard').explanation },
  lowRank: {
    label: 'Low-rank branch',
    hint: 'SVDQuant: a rank-r 16-bit branch beside the low-bit residual; its (N + K) r values count in the bits.',
  },
  method: { label: 'Method', hint: 'How the low-bit weights are chosen. QAT students were trained for one setting.' },
  alpha: {
    label: 'SmoothQuant α',
    hint: 'Migration strength: how much of the activation range moves into the weights.',
  },
};

export function isTrained(s: QuantSetting): boolean {
  return s.method.kind === 'qat';
}

/** The fields a picker shows for `s`, in order. */
export function visibleFields(s: QuantSetting, ctx: EditorContext): SettingField[] {
  const fields: SettingField[] = ['weightFormat', 'weightBits'];
  const format = s.weight?.format;
  // Whole models offer symmetric INT only (the zero point shows when a link brought an asymmetric one).
  if (format?.kind === 'int' && (ctx.scope === 'weights' || !format.symmetric)) fields.push('zeroPoint');
  fields.push('granularity');
  if (ctx.scope === 'weights') return fields;
  fields.push('activation', 'method');
  if (s.method.kind === 'smoothquant') fields.push('alpha');
  // Offered where it can act: something quantised, and no trained student (its weights are fixed).
  if (!isTrained(s) && (s.weight || s.activation.format.kind !== 'none')) fields.push('hadamard');
  // The branch splits quantised weights, so it needs some (and no student).
  if (!isTrained(s) && s.weight) fields.push('lowRank');
  return fields;
}

/** A field that shows its value but cannot change it now (a trained student fixes everything but its method). */
export function fieldDisabled(s: QuantSetting, field: SettingField): boolean {
  if (isTrained(s)) return field !== 'method';
  return !s.weight && (field === 'granularity' || field === 'zeroPoint');
}

export function fieldValue(s: QuantSetting, field: SettingField): string {
  const w = s.weight;
  switch (field) {
    case 'weightFormat':
      return w?.format.kind ?? 'int';
    case 'weightBits':
      return w ? (w.format.kind === 'int' ? String(w.format.bits) : weightFormatRow(w.format).token) : NOT_QUANTISED;
    case 'zeroPoint':
      return w?.format.kind === 'int' && !w.format.symmetric ? 'asym' : 'sym';
    case 'granularity':
      return granularityRow(w?.granularity ?? DEFAULT_GRANULARITY).name;
    case 'activation':
      return s.activation.format.kind === 'none'
        ? NOT_QUANTISED
        : activationFormatRow(s.activation.format).token + (s.activation.perTensor ? 't' : '');
    case 'method':
      return isTrained(s) ? settingToString(s) : methodRow(s.method).token;
    case 'alpha':
      return s.method.kind === 'smoothquant' ? String(s.method.alpha) : String(SMOOTHQUANT_ALPHAS[1]);
    case 'hadamard':
      return s.transforms?.hadamard ? 'on' : 'off';
    case 'lowRank':
      return String(s.transforms?.lowRank ?? 0);
  }
}

/** The options of one field for `s` in `ctx`; the current value is always among them (a link may hold any setting). */
export function fieldOptions(s: QuantSetting, field: SettingField, ctx: EditorContext): FieldOption[] {
  const options = offered(s, field, ctx);
  const current = fieldValue(s, field);
  if (!options.some((o) => o.value === current)) options.push({ value: current, label: currentLabel(s, field) });
  return options;
}

function offered(s: QuantSetting, field: SettingField, ctx: EditorContext): FieldOption[] {
  const fp = s.weight?.format.kind === 'fp';
  const unquantised = { value: NOT_QUANTISED, label: `${NOT_QUANTISED} (${NOT_QUANTISED_LABEL})` };
  switch (field) {
    case 'weightFormat':
      return [
        { value: 'int', label: 'INT' },
        { value: 'fp', label: 'FP' },
      ];
    case 'weightBits': {
      const rows = WEIGHT_FORMAT_ROWS.filter(
        (r) =>
          r.format.kind === (fp ? 'fp' : 'int') &&
          (r.format.kind === 'fp' || r.format.symmetric) &&
          (ctx.scope === 'weights' || r.modelPicker),
      );
      const options = rows.map((r) => ({
        value: r.format.kind === 'int' ? String(r.codeBits) : r.token,
        label: r.format.kind === 'int' ? `INT${r.codeBits}` : `${r.label} (${r.codeBits} bits)`,
      }));
      return ctx.scope === 'model' ? [...options, unquantised] : options;
    }
    case 'zeroPoint':
      return [
        { value: 'sym', label: 'Symmetric' },
        { value: 'asym', label: 'Asymmetric' },
      ];
    case 'granularity':
      return GRANULARITY_ROWS.map((r) => ({ value: r.name, label: r.label }));
    case 'activation':
      return [
        unquantised,
        ...ACTIVATION_FORMAT_ROWS.filter((r) => OFFERED_ACTIVATIONS.includes(r.token)).map((r) => ({
          value: r.token,
          label: r.label,
        })),
      ];
    case 'method': {
      const ptq = METHOD_ROWS.filter((r) => !r.trained).map((r) => ({ value: r.token, label: r.label }));
      const students = (ctx.students ?? []).map((st) => {
        const base = settingToString({ ...st.setting, method: RTN });
        return {
          value: settingToString(st.setting),
          label: `${methodRow(st.setting.method).label}, trained for ${base}`,
        };
      });
      return [...ptq, ...students];
    }
    case 'alpha':
      return SMOOTHQUANT_ALPHAS.map((a) => ({ value: String(a), label: String(a) }));
    case 'hadamard':
      return [
        { value: 'off', label: 'Off' },
        { value: 'on', label: 'On' },
      ];
    case 'lowRank':
      return [{ value: '0', label: 'Off' }, ...LOW_RANK_RANKS.map((r) => ({ value: String(r), label: `rank ${r}` }))];
  }
}

function currentLabel(s: QuantSetting, field: SettingField): string {
  if (field === 'method' && isTrained(s)) return `${methodRow(s.method).label} (no student shipped for this model)`;
  if (field === 'activation' && s.activation.format.kind !== 'none')
    return `${activationFormatRow(s.activation.format).label}${s.activation.perTensor ? ' per tensor' : ''}`;
  if (field === 'lowRank') return `rank ${fieldValue(s, field)}`;
  return fieldValue(s, field);
}

/**
 * `s` with one field set to `value` (an option value of that field); the other fields keep what they can. The
 * result is canonical (what its text reads back as): with nothing quantised, no method is left to show.
 */
export function withField(s: QuantSetting, field: SettingField, value: string): QuantSetting {
  return parseSetting(settingToString(edit(s, field, value)));
}

function edit(s: QuantSetting, field: SettingField, value: string): QuantSetting {
  const w = s.weight;
  const granularity = w?.granularity ?? DEFAULT_GRANULARITY;
  switch (field) {
    case 'weightFormat': {
      if (value === (w?.format.kind ?? 'int') && w) return s;
      // A change of kind starts at 4 bits (INT4 or FP4), the common point of both.
      const row = WEIGHT_FORMAT_ROWS.find(
        (r) => r.format.kind === value && r.codeBits === 4 && (r.format.kind === 'fp' || r.format.symmetric),
      );
      if (!row) throw new RangeError(`weight format "${value}" is not int or fp`);
      return { ...s, weight: { format: row.format, granularity } };
    }
    case 'weightBits': {
      if (value === NOT_QUANTISED) {
        // -lr and -mp act on quantised weights only, so they go with them.
        const { lowRank: _lr, mixedBits: _mp, ...rest } = s.transforms ?? {};
        return { ...s, weight: null, transforms: Object.keys(rest).length > 0 ? rest : undefined };
      }
      const bits = Number(value);
      if (INT_BITS.includes(bits as IntBits))
        return {
          ...s,
          weight: {
            format: {
              kind: 'int',
              bits: bits as IntBits,
              symmetric: w?.format.kind === 'int' ? w.format.symmetric : true,
            },
            granularity,
          },
        };
      const row = WEIGHT_FORMAT_ROWS.find((r) => r.format.kind === 'fp' && r.token === value);
      if (!row) throw new RangeError(`weight bits "${value}" is not an option`);
      return { ...s, weight: { format: row.format, granularity } };
    }
    case 'zeroPoint':
      if (w?.format.kind !== 'int') return s;
      return { ...s, weight: { format: { ...w.format, symmetric: value !== 'asym' }, granularity } };
    case 'granularity': {
      const row = GRANULARITY_ROWS.find((r) => r.name === value);
      if (!row) throw new RangeError(`group size "${value}" is not an option`);
      return w ? { ...s, weight: { format: w.format, granularity: row.granularity } } : s;
    }
    case 'activation': {
      if (value === NOT_QUANTISED) return { ...s, activation: FULL_PRECISION.activation };
      const perTensor = value.endsWith('t');
      const row = ACTIVATION_FORMAT_ROWS.find((r) => r.token === (perTensor ? value.slice(0, -1) : value));
      if (!row) throw new RangeError(`activation "${value}" is not an option`);
      return { ...s, activation: { format: row.format, perTensor } };
    }
    case 'method': {
      // A trained method's value is its student's whole setting: choosing it takes that setting.
      if (value.includes('~')) return parseSetting(value);
      const row = METHOD_ROWS.find((r) => r.token === value && !r.trained);
      if (!row) throw new RangeError(`method "${value}" is not an option`);
      const base = isTrained(s) ? { ...s, method: RTN } : s;
      if (row.kind === 'smoothquant')
        return {
          ...base,
          method: {
            kind: 'smoothquant',
            alpha: s.method.kind === 'smoothquant' ? s.method.alpha : SMOOTHQUANT_ALPHAS[1],
          },
        };
      return { ...base, method: { kind: row.kind } as QuantSetting['method'] };
    }
    case 'alpha':
      return s.method.kind === 'smoothquant' ? { ...s, method: { kind: 'smoothquant', alpha: Number(value) } } : s;
    case 'hadamard': {
      if (value !== 'on' && value !== 'off') throw new RangeError(`hadamard "${value}" is not on or off`);
      const { hadamard: _, ...rest } = s.transforms ?? {};
      const transforms = value === 'on' ? { ...rest, hadamard: true } : rest;
      return { ...s, transforms: Object.keys(transforms).length > 0 ? transforms : undefined };
    }
    case 'lowRank': {
      const rank = Number(value);
      if (!Number.isInteger(rank) || rank < 0) throw new RangeError(`low-rank rank "${value}" is not 0 or a rank >= 1`);
      const { lowRank: _, ...rest } = s.transforms ?? {};
      const transforms = rank > 0 ? { ...rest, lowRank: rank } : rest;
      return { ...s, transforms: Object.keys(transforms).length > 0 ? transforms : undefined };
    }
  }
}

/** Short human label of a setting: "W4 g32 · A8 · GPTQ", "FP4 g32", "W3 g32 · QAT, TopKLD*". */
export function settingLabel(s: QuantSetting): string {
  const w = s.weight
    ? `${weightFormatRow(s.weight.format).short} ${granularityRow(s.weight.granularity).short}`
    : `W${NOT_QUANTISED}`;
  const a =
    s.activation.format.kind === 'none'
      ? ''
      : ` · ${activationFormatRow(s.activation.format).short}${s.activation.perTensor ? 't' : ''}`;
  const m =
    s.method.kind === 'rtn'
      ? ''
      : s.method.kind === 'smoothquant'
        ? ` · SQ α=${s.method.alpha}`
        : ` · ${methodRow(s.method).label.replace(' (our reconstruction)', '*')}`;
  const t = TRANSFORM_ROWS.flatMap((row) => {
    const v = s.transforms?.[row.key];
    return v === undefined || v === false ? [] : [row.argument === 'none' ? row.short : `${row.short}${v}`];
  });
  return `${w}${a}${m}${t.map((x) => ` · ${x}`).join('')}`;
}

/** Why a setting read from a link cannot be shown by a picker in `ctx`, or undefined when it can. */
export function pickerProblem(s: QuantSetting, ctx: EditorContext): string | undefined {
  if (ctx.scope === 'weights' && !s.weight) return 'the weight view needs quantised weights';
  if (s.layers.join() !== FULL_PRECISION.layers.join()) return 'a custom layer list cannot be set with the controls';
  return undefined;
}
