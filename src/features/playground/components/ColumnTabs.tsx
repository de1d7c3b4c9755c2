import { useAppStore } from '../../../store';
import { settingToString } from '../../../quant/setting';
import { settingLabel } from '../../../quant/settingEditor';
import { MAX_COLUMNS } from '../viewState';

/**
 * The quantised columns beside fp32: pick the one the controls edit, add one, remove one. An edit that would
 * show a setting twice is refused by the store (columns.ts); its message appears under the tabs.
 */
export function ColumnTabs() {
  const columns = useAppStore((s) => s.playground.columns);
  const active = useAppStore((s) => s.playground.active);
  const setView = useAppStore((s) => s.setView);
  const add = useAppStore((s) => s.addColumn);
  const remove = useAppStore((s) => s.removeColumn);
  const notice = useAppStore((s) => s.columnNotice);
  return (
    <>
      <div className="column-tabs" role="group" aria-label="Quantised settings compared with fp32">
        {columns.map((setting, i) => {
          const label = settingLabel(setting);
          return (
            <span key={settingToString(setting)} className={i === active ? 'column-tab active' : 'column-tab'}>
              <button
                type="button"
                className="tab-select"
                aria-pressed={i === active}
                onClick={() => setView({ active: i })}
                title="Edit this setting with the controls below"
              >
                {i + 1}. {label}
              </button>
              {columns.length > 1 && (
                <button type="button" className="tab-remove" aria-label={`Remove ${label}`} onClick={() => remove(i)}>
                  ×
                </button>
              )}
            </span>
          );
        })}
        <button type="button" className="secondary" onClick={add} disabled={columns.length >= MAX_COLUMNS}>
          Add setting
        </button>
      </div>
      {/* Always in the page, so that screen readers announce a refusal when its text appears. */}
      <div aria-live="polite">
        {notice && (
          <p className="notice column-notice" role="status" aria-label="Setting already shown">
            {notice}
          </p>
        )}
      </div>
    </>
  );
}
