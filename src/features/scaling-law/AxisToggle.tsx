import { useAppStore } from '../../store';
import type { BitsAxis } from './series';

const AXES: ReadonlyArray<{ value: BitsAxis; label: string }> = [
  { value: 'totalWeightBits', label: 'Total weight bits' },
  { value: 'computeBits', label: 'Compute bits (weights × activations)' },
];
const FD_SCALES: ReadonlyArray<{ value: 'linear' | 'log'; label: string }> = [
  { value: 'linear', label: 'Linear' },
  { value: 'log', label: 'Log' },
];

/** Which bits the x axis counts (storage or compute) and how FD is scaled. */
export function AxisToggle() {
  const axis = useAppStore((s) => s.scalingAxis);
  const setAxis = useAppStore((s) => s.setScalingAxis);
  const fdScale = useAppStore((s) => s.scalingFdScale);
  const setFdScale = useAppStore((s) => s.setScalingFdScale);
  return (
    <>
      <RadioGroup name="scaling-axis" legend="X axis" choices={AXES} value={axis} onChange={setAxis} />
      <RadioGroup name="scaling-fd-scale" legend="FD axis" choices={FD_SCALES} value={fdScale} onChange={setFdScale} />
    </>
  );
}

function RadioGroup<T extends string>({ name, legend, choices, value, onChange }: { name: string; legend: string; choices: ReadonlyArray<{ value: T; label: string }>; value: T; onChange(v: T): void }) {
  return (
    <fieldset className="axis-toggle">
      <legend>{legend}</legend>
      <div className="radio-row">
        {choices.map((c) => (
          <label key={c.value}>
            <input type="radio" name={name} value={c.value} checked={value === c.value} onChange={() => onChange(c.value)} />
            <span>{c.label}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
