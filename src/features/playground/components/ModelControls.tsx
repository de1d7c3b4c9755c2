import { Field } from '../../../components/Field';
import { useAppStore } from '../../../store';
import { pickerGroups, pickerValue, viewPatchOf } from '../modelPicker';
import { MAX_ROWS, MAX_SEED, MAX_STEPS, type Family, type RowMode } from '../viewState';

/** What to generate: family, model (shipped by size, or added), class, seed, DiT steps and the rows of the grid. */
export function ModelControls() {
  const view = useAppStore((s) => s.playground);
  const models = useAppStore((s) => s.models);
  const setView = useAppStore((s) => s.setView);
  const sources = useAppStore((s) => s.modelSources);
  const modelId = useAppStore((s) => s.modelId);
  const groups = models.state === 'ready' ? pickerGroups(models.models, sources, view.family, formatParams) : [];
  // An added model's classes are its own (an official one's are ImageNet's), not MNIST digits.
  const added = view.model !== undefined && view.model === modelId;
  return (
    <div className="controls" role="group" aria-label="Model and sample">
      <Field label="Family" hint="VAR predicts discrete tokens scale by scale; DiT denoises a continuous latent.">
        {(id) => (
          <select
            id={id}
            value={view.family}
            onChange={(e) => setView({ family: e.target.value as Family, model: undefined })}
          >
            <option value="var">VAR (language-style)</option>
            <option value="dit">DiT (diffusion)</option>
          </select>
        )}
      </Field>
      <Field
        label="Model size"
        hint='The shipped models by depth; models you add under "Your models" are listed by where they came from.'
      >
        {(id) => (
          <select
            id={id}
            value={pickerValue(view, modelId)}
            onChange={(e) => {
              const patch = viewPatchOf(e.target.value, sources);
              if (patch) setView(patch);
            }}
            disabled={groups.length === 0}
          >
            {groups.length === 0 && <option value={view.size}>depth {view.size}</option>}
            {groups.map((g) => (
              <optgroup key={g.label} label={g.label}>
                {g.options.map((o) => (
                  <option key={o.value} value={o.value} data-model={o.id}>
                    {o.label}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        )}
      </Field>
      <Field label="Class">
        {(id) => (
          <select id={id} value={view.classLabel} onChange={(e) => setView({ classLabel: Number(e.target.value) })}>
            {Array.from({ length: 10 }, (_, d) => (
              <option key={d} value={d}>
                {added ? `class ${d}` : `digit ${d}`}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Seed" hint="Same seed, same random draws for every column.">
        {(id) => (
          <input
            id={id}
            type="number"
            min={0}
            max={MAX_SEED}
            step={1}
            value={view.seed}
            onChange={(e) => validInt(e.target.value, 0, MAX_SEED, (seed) => setView({ seed }))}
          />
        )}
      </Field>
      {view.family === 'dit' && (
        <Field label="Steps" hint={`Respaced DDPM steps (1–${MAX_STEPS}); fewer is faster.`}>
          {(id) => (
            <input
              id={id}
              type="number"
              min={1}
              max={MAX_STEPS}
              step={1}
              value={view.steps}
              onChange={(e) => validInt(e.target.value, 1, MAX_STEPS, (steps) => setView({ steps }))}
            />
          )}
        </Field>
      )}
      <Field label="Rows">
        {(id) => (
          <select id={id} value={view.rows} onChange={(e) => setView({ rows: Number(e.target.value) })}>
            {Array.from({ length: MAX_ROWS }, (_, i) => (
              <option key={i} value={i + 1}>
                {i + 1}
              </option>
            ))}
          </select>
        )}
      </Field>
      {view.rows > 1 && (
        <Field label="Rows vary">
          {(id) => (
            <select id={id} value={view.rowMode} onChange={(e) => setView({ rowMode: e.target.value as RowMode })}>
              <option value="classes">the class</option>
              <option value="seeds">the seed</option>
            </select>
          )}
        </Field>
      )}
    </div>
  );
}

function validInt(raw: string, min: number, max: number, apply: (n: number) => void): void {
  const n = Number(raw);
  if (raw !== '' && Number.isInteger(n) && n >= min && n <= max) apply(n);
}

export function formatParams(n: number | undefined): string {
  if (n === undefined) return '?';
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${Math.round(n / 1e3)}k`;
}
