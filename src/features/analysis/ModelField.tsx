import type { ModelFamily } from '../../models/bundle/types';
import { Field } from '../../components/Field';
import { useAppStore } from '../../store';

/** A generator picker (one family, or both) fed by the engine's model list. */
export function ModelField({
  label,
  family,
  value,
  onChange,
}: {
  label: string;
  family?: ModelFamily;
  value: string;
  onChange: (id: string) => void;
}) {
  const models = useAppStore((s) => s.analysisModels);
  const ids =
    models.state === 'ready' ? (family ? models.lists[family] : [...models.lists.var, ...models.lists.dit]) : [value];
  return (
    <Field label={label}>
      {(id) => (
        <select id={id} value={value} onChange={(e) => onChange(e.target.value)} disabled={models.state !== 'ready'}>
          {ids.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** An integer input clamped to [min, max]. */
export function IntField({
  label,
  value,
  min,
  max,
  hint,
  onChange,
}: {
  label: string;
  value: number;
  min: number;
  max: number;
  hint?: string;
  onChange: (v: number) => void;
}) {
  return (
    <Field label={label} hint={hint}>
      {(id) => (
        <input
          id={id}
          type="number"
          min={min}
          max={max}
          step={1}
          value={value}
          onChange={(e) => {
            const v = Math.round(Number(e.target.value));
            if (Number.isFinite(v)) onChange(Math.min(max, Math.max(min, v)));
          }}
        />
      )}
    </Field>
  );
}
