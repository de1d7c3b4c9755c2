import { useAppStore } from '../../store';
import type { BitsAxis } from './series';

const CHOICES: ReadonlyArray<{ axis: BitsAxis; label: string }> = [
  { axis: 'totalWeightBits', label: 'Total weight bits' },
  { axis: 'computeBits', label: 'Compute bits (weights × activations)' },
];

/** Which bits the x axis counts: storage (weights) or compute (weight bits × activation bits). */
export function AxisToggle() {
  const axis = useAppStore((s) => s.scalingAxis);
  const setAxis = useAppStore((s) => s.setScalingAxis);
  return (
    <fieldset className="axis-toggle">
      <legend>X axis</legend>
      {CHOICES.map((c) => (
        <label key={c.axis}>
          <input type="radio" name="scaling-axis" value={c.axis} checked={axis === c.axis} onChange={() => setAxis(c.axis)} />
          <span>{c.label}</span>
        </label>
      ))}
    </fieldset>
  );
}
