import { Field } from '../../../components/Field';
import { useAppStore } from '../../../store';
import { ACTIVATION_BITS, choiceToSetting, FP_WEIGHT_BITS, GROUP_CHOICES, INT_WEIGHT_BITS, isTrainedMethod, keyToChoice, methodLabel, PTQ_METHODS, type GroupChoice, type WeightFormatChoice } from '../quantChoice';

const GROUP_LABELS: Record<GroupChoice, string> = { '32': 'groups of 32', '64': 'groups of 64', '128': 'groups of 128', channel: 'per output channel', tensor: 'per tensor' };
const FP_NAMES: Record<number, string> = { 4: 'FP4 E2M1', 6: 'FP6 E3M2', 8: 'FP8 E4M3' };

/** The quantisation of the active column: weights, activations and the method that picks the weights. */
export function SettingControls() {
  const view = useAppStore((s) => s.playground);
  const models = useAppStore((s) => s.models);
  const modelId = useAppStore((s) => s.modelId);
  const setChoice = useAppStore((s) => s.setChoice);
  const setColumn = useAppStore((s) => s.setColumn);
  const choice = keyToChoice(view.columns[view.active]);
  const trained = isTrainedMethod(choice.method);
  const students = models.state === 'ready' ? models.models.filter((m) => m.quantTraining?.teacher === modelId) : [];
  const bitsOptions = choice.weightFormat === 'int' ? INT_WEIGHT_BITS : FP_WEIGHT_BITS;
  const methodValue = trained ? `${choice.method}@${choiceToSetting(choice)}` : choice.method;
  const onMethod = (value: string) => {
    const [method, setting] = value.split('@');
    if (setting) setColumn(view.active, `${setting}~${method}`);
    else setChoice({ method });
  };
  return (
    <div className="controls" role="group" aria-label={`Quantisation of column ${view.active + 1}`}>
      <Field label="Weight format" hint="INT: evenly spaced levels. FP: levels dense near zero.">
        {(id) => (
          <select id={id} value={choice.weightFormat} disabled={trained} onChange={(e) => setChoice({ weightFormat: e.target.value as WeightFormatChoice, weightBits: 4 })}>
            <option value="int">INT</option>
            <option value="fp">FP</option>
          </select>
        )}
      </Field>
      <Field label="Weight bits" hint="Bits per weight code; 32 keeps weights in full precision.">
        {(id) => (
          <select id={id} value={choice.weightBits} disabled={trained} onChange={(e) => setChoice({ weightBits: Number(e.target.value) })}>
            {bitsOptions.map((b) => (
              <option key={b} value={b}>
                {choice.weightFormat === 'fp' ? FP_NAMES[b] : `INT${b}`}
              </option>
            ))}
            <option value={32}>32 (not quantised)</option>
          </select>
        )}
      </Field>
      <Field label="Group size" hint="Weights sharing one f16 scale; smaller groups cost more bits but fit better.">
        {(id) => (
          <select id={id} value={choice.groupSize} disabled={trained || choice.weightBits >= 16} onChange={(e) => setChoice({ groupSize: e.target.value as GroupChoice })}>
            {GROUP_CHOICES.map((g) => (
              <option key={g} value={g}>
                {GROUP_LABELS[g]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Activation bits" hint="Inputs of every quantised Linear, INT per token; 16 = not quantised.">
        {(id) => (
          <select id={id} value={choice.activationBits} disabled={trained} onChange={(e) => setChoice({ activationBits: Number(e.target.value) })}>
            {ACTIVATION_BITS.map((b) => (
              <option key={b} value={b}>
                {b === 16 ? '16 (not quantised)' : `INT${b}`}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Method" hint="How the low-bit weights are chosen. QAT students were trained for one setting.">
        {(id) => (
          <select id={id} value={methodValue} onChange={(e) => onMethod(e.target.value)}>
            {PTQ_METHODS.map((m) => (
              <option key={m} value={m}>
                {methodLabel(m)}
              </option>
            ))}
            {students.map((s) => (
              <option key={s.id} value={`${s.quantTraining!.method}@${s.quantTraining!.setting}`}>
                {methodLabel(s.quantTraining!.method)}, trained for {s.quantTraining!.setting}
              </option>
            ))}
            {trained && !students.some((s) => `${s.quantTraining!.method}@${s.quantTraining!.setting}` === methodValue) && <option value={methodValue}>{methodLabel(choice.method)} (no student shipped for this model)</option>}
          </select>
        )}
      </Field>
      {choice.method === 'sq' && choice.activationBits === 16 && (
        <p className="field-note" role="note">
          SmoothQuant divides activations by per-channel scales and multiplies the weights by them, so it only changes something when activations
          are quantised too: pick activation bits below 16.
        </p>
      )}
      {choice.method === 'sq' && (
        <Field label="SmoothQuant α" hint="Migration strength: how much of the activation range moves into the weights.">
          {(id) => (
            <select id={id} value={choice.alpha} onChange={(e) => setChoice({ alpha: Number(e.target.value) })}>
              {[0.25, 0.5, 0.75, 0.85].map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
    </div>
  );
}
