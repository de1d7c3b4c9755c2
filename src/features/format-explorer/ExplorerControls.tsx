import { useAppStore } from '../../store';
import { Field } from '../../components/Field';
import { SettingPicker } from '../../components/SettingPicker';

const SIZES = [64, 256, 1024, 4096];

export function ExplorerControls() {
  const s = useAppStore((st) => st.explorer);
  const set = useAppStore((st) => st.setExplorer);
  const run = useAppStore((st) => st.runExplorer);
  const cancel = useAppStore((st) => st.cancelExplorer);
  const running = useAppStore((st) => st.explorerRun.state === 'running');
  return (
    <form
      className="controls"
      onSubmit={(e) => {
        e.preventDefault();
        void run();
      }}
    >
      <SettingPicker setting={s.setting} context={{ scope: 'weights' }} onChange={(setting) => set({ setting })} />
      <Field label="Matrix size (N = K)">
        {(id) => (
          <select
            id={id}
            value={s.cols}
            onChange={(e) => set({ cols: Number(e.target.value), rows: Math.min(Number(e.target.value), 1024) })}
          >
            {SIZES.map((n) => (
              <option key={n} value={n}>
                {Math.min(n, 1024)} x {n}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Tokens" hint="1 runs the GEMV kernel, more the tiled GEMM.">
        {(id) => (
          <input
            id={id}
            type="number"
            min={1}
            max={256}
            value={s.tokens}
            onChange={(e) => set({ tokens: clampInt(e.target.value, 1, 256) })}
          />
        )}
      </Field>
      <Field label="Seed">
        {(id) => (
          <input
            id={id}
            type="number"
            min={0}
            value={s.seed}
            onChange={(e) => set({ seed: clampInt(e.target.value, 0, 2 ** 31 - 1) })}
          />
        )}
      </Field>
      <div className="actions">
        <button type="submit" disabled={running}>
          Quantize and run on GPU
        </button>
        {running && (
          <button type="button" onClick={cancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

function clampInt(text: string, min: number, max: number): number {
  const n = Math.round(Number(text));
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : min;
}
