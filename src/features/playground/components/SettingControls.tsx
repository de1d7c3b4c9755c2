import { useMemo } from 'react';
import { SettingPicker } from '../../../components/SettingPicker';
import { useAppStore } from '../../../store';
import { studentSetting } from '../runPlan';

/** The quantisation of the active column: weights, activations and the method that picks the weights. */
export function SettingControls() {
  const view = useAppStore((s) => s.playground);
  const models = useAppStore((s) => s.models);
  const modelId = useAppStore((s) => s.modelId);
  const setColumn = useAppStore((s) => s.setColumn);
  const setting = view.columns[view.active];
  // Students of the model shown are offered as trained methods (each fixes the setting it was trained for).
  const students = useMemo(
    () =>
      models.state === 'ready'
        ? models.models
            .filter((m) => m.quantTraining?.teacher === modelId)
            .flatMap((m) => studentSetting(m) ?? [])
            .map((s) => ({ setting: s }))
        : [],
    [models, modelId],
  );
  return (
    <div className="controls" role="group" aria-label={`Quantisation of column ${view.active + 1}`}>
      <SettingPicker
        setting={setting}
        context={{ scope: 'model', students }}
        onChange={(next) => setColumn(view.active, next)}
      />
      {setting.method.kind === 'smoothquant' && setting.activation.format.kind === 'none' && (
        <p className="field-note" role="note">
          SmoothQuant divides activations by per-channel scales and multiplies the weights by them, so it only changes
          something when activations are quantised too: pick activation bits below 32.
        </p>
      )}
    </div>
  );
}
