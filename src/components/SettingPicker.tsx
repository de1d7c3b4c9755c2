import { Field } from './Field';
import type { QuantSetting } from '../quant/setting';
import {
  FIELD_LABELS,
  fieldControl,
  fieldDisabled,
  fieldOptions,
  fieldValue,
  visibleFields,
  withField,
  type EditorContext,
} from '../quant/settingEditor';

/**
 * The one quantisation-setting control: a labelled <select> per field of the setting editor
 * (src/quant/settingEditor.ts), which owns the options, the values and the edits. The playground, the analysis
 * weight view, the scaling-law live point and the format explorer all edit their QuantSetting through it.
 */
export function SettingPicker({
  setting,
  context,
  onChange,
}: {
  setting: QuantSetting;
  context: EditorContext;
  onChange: (next: QuantSetting) => void;
}) {
  return (
    <>
      {visibleFields(setting, context).map((field) =>
        fieldControl(field) === 'checkbox' ? (
          // A checkbox stays on one line, its explanation in the tooltip (keeps the picker compact).
          <label key={field} className="check setting-check" title={FIELD_LABELS[field].hint}>
            <input
              type="checkbox"
              checked={fieldValue(setting, field) === 'on'}
              disabled={fieldDisabled(setting, field)}
              onChange={(e) => onChange(withField(setting, field, e.target.checked ? 'on' : 'off'))}
            />{' '}
            {FIELD_LABELS[field].label}
          </label>
        ) : (
          <Field key={field} label={FIELD_LABELS[field].label} hint={FIELD_LABELS[field].hint}>
            {(id) => (
              <select
                id={id}
                value={fieldValue(setting, field)}
                disabled={fieldDisabled(setting, field)}
                onChange={(e) => onChange(withField(setting, field, e.target.value))}
              >
                {fieldOptions(setting, field, context).map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ),
      )}
    </>
  );
}
