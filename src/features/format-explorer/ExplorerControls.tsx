import { useAppStore } from '../../store';
import { Field } from '../../components/Field';
import { FP_SPECS, INT_BITS, type FpName, type IntBits } from '../../quant/formats';
import type { GranularityChoice } from './explorerSlice';

const FP_LABELS: Record<FpName, string> = {
  e4m3: 'FP8 E4M3',
  e5m2: 'FP8 E5M2',
  e3m2: 'FP6 E3M2',
  e2m3: 'FP6 E2M3',
  e2m1: 'FP4 E2M1',
};

const GRANULARITY_LABELS: Record<GranularityChoice, string> = {
  tensor: 'Per tensor',
  channel: 'Per output channel',
  '32': 'Groups of 32',
  '64': 'Groups of 64',
  '128': 'Groups of 128',
};

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
      <Field label="Weight format">
        {(id) => (
          <select id={id} value={s.family} onChange={(e) => set({ family: e.target.value as 'int' | 'fp' })}>
            <option value="int">INT (uniform grid)</option>
            <option value="fp">FP (OCP MX elements)</option>
          </select>
        )}
      </Field>
      {s.family === 'int' ? (
        <>
          <Field label="Weight bits">
            {(id) => (
              <select id={id} value={s.intBits} onChange={(e) => set({ intBits: Number(e.target.value) as IntBits })}>
                {INT_BITS.map((b) => (
                  <option key={b} value={b}>
                    {b}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Zero point" hint="Asymmetric stores an f16 offset per group too.">
            {(id) => (
              <select id={id} value={s.symmetric ? 'sym' : 'asym'} onChange={(e) => set({ symmetric: e.target.value === 'sym' })}>
                <option value="sym">Symmetric</option>
                <option value="asym">Asymmetric</option>
              </select>
            )}
          </Field>
        </>
      ) : (
        <Field label="Weight bits" hint="Element format: sign, exponent and mantissa bits.">
          {(id) => (
            <select id={id} value={s.fpName} onChange={(e) => set({ fpName: e.target.value as FpName })}>
              {(Object.keys(FP_SPECS) as FpName[]).map((n) => (
                <option key={n} value={n}>
                  {FP_LABELS[n]} ({FP_SPECS[n].bits} bits)
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      <Field label="Group size" hint="Each group has its own f16 scale.">
        {(id) => (
          <select id={id} value={s.granularity} onChange={(e) => set({ granularity: e.target.value as GranularityChoice })}>
            {(Object.keys(GRANULARITY_LABELS) as GranularityChoice[]).map((g) => (
              <option key={g} value={g}>
                {GRANULARITY_LABELS[g]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Matrix size (N = K)">
        {(id) => (
          <select id={id} value={s.cols} onChange={(e) => set({ cols: Number(e.target.value), rows: Math.min(Number(e.target.value), 1024) })}>
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
          <input id={id} type="number" min={1} max={256} value={s.tokens} onChange={(e) => set({ tokens: clampInt(e.target.value, 1, 256) })} />
        )}
      </Field>
      <Field label="Seed">
        {(id) => <input id={id} type="number" min={0} value={s.seed} onChange={(e) => set({ seed: clampInt(e.target.value, 0, 2 ** 31 - 1) })} />}
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
