import { useAppStore } from '../../store';
import { METRIC_LABEL, QUALITY_METRICS, type MetricChoice } from './metric';
import { BITS_AXES } from './bitsAxis';

const AXES = BITS_AXES.map(({ value, label }) => ({ value, label }));
const FD_SCALES: ReadonlyArray<{ value: 'linear' | 'log'; label: string }> = [
  { value: 'linear', label: 'Linear' },
  { value: 'log', label: 'Log' },
];

/** Which metric the y axis shows (FD or KID), which bits the x axis counts (storage or compute), and how FD is scaled. */
export function AxisToggle({ choice }: { choice: MetricChoice }) {
  const axis = useAppStore((s) => s.scalingAxis);
  const setAxis = useAppStore((s) => s.setScalingAxis);
  const fdScale = useAppStore((s) => s.scalingFdScale);
  const setFdScale = useAppStore((s) => s.setScalingFdScale);
  const setMetric = useAppStore((s) => s.setScalingMetric);
  const metrics = QUALITY_METRICS.map((m) => ({ value: m, label: METRIC_LABEL[m], disabled: !choice.available[m] }));
  return (
    <>
      <RadioGroup name="scaling-metric" legend="Metric" choices={metrics} value={choice.metric} onChange={setMetric} />
      <RadioGroup name="scaling-axis" legend="X axis" choices={AXES} value={axis} onChange={setAxis} />
      {choice.metric === 'fd' && (
        <RadioGroup
          name="scaling-fd-scale"
          legend="FD axis"
          choices={FD_SCALES}
          value={fdScale}
          onChange={setFdScale}
        />
      )}
    </>
  );
}

function RadioGroup<T extends string>({
  name,
  legend,
  choices,
  value,
  onChange,
}: {
  name: string;
  legend: string;
  choices: ReadonlyArray<{ value: T; label: string; disabled?: boolean }>;
  value: T;
  onChange(v: T): void;
}) {
  return (
    <fieldset className="axis-toggle">
      <legend>{legend}</legend>
      <div className="radio-row">
        {choices.map((c) => (
          <label key={c.value}>
            <input
              type="radio"
              name={name}
              value={c.value}
              checked={value === c.value}
              disabled={c.disabled}
              onChange={() => onChange(c.value)}
            />
            <span>{c.label}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
