import { describe, expect, it } from 'vitest';
import { duplicateMessage, replaceColumn, type ColumnEdit } from '../../../src/features/playground/columns';
import { parseSetting, settingToString } from '../../../src/quant/setting';

const S = parseSetting;
const cols = (...texts: string[]) => texts.map(S);
/** The edit with its columns printed, so expectations read like the URL. */
const printed = (edit: ColumnEdit) => (edit.ok ? { ok: true, columns: edit.columns.map(settingToString) } : edit);

describe('playground columns: no setting shown twice', () => {
  it('replaces a column with a setting no other column shows', () => {
    expect(printed(replaceColumn(cols('W4g32', 'W2g32'), 0, S('W3g32')))).toEqual({
      ok: true,
      columns: ['W3g32', 'W2g32'],
    });
    expect(printed(replaceColumn(cols('W4g32', 'W2g32'), 1, S('W4g32-A8')))).toEqual({
      ok: true,
      columns: ['W4g32', 'W4g32-A8'],
    });
  });

  it('keeps a column set to its own setting (no change, no refusal)', () => {
    expect(printed(replaceColumn(cols('W4g32', 'W2g32'), 1, S('W2g32')))).toEqual({
      ok: true,
      columns: ['W4g32', 'W2g32'],
    });
  });

  it('refuses a setting another column already shows, naming that column and what stays', () => {
    const edit = replaceColumn(cols('W4g32', 'W2g32', 'W8g32'), 0, S('W2g32'));
    expect(edit).toEqual({
      ok: false,
      duplicateOf: 1,
      message:
        'W2 g32 is already column 2, so column 1 stays W4 g32: pick another setting, or select column 2 to edit it.',
    });
  });

  it('tells a trained student from the RTN setting it was trained for', () => {
    expect(replaceColumn(cols('W3g32', 'W4g32'), 1, S('W3g32~qat-task')).ok).toBe(true);
    const edit = replaceColumn(cols('W3g32~qat-task', 'W4g32'), 1, S('W3g32~qat-task'));
    expect(edit.ok).toBe(false);
    if (!edit.ok)
      expect(edit.message).toMatch(/^W3 g32 · QAT, task loss is already column 1, so column 2 stays W4 g32/);
  });

  it('compares settings, not object identity (an equal setting parsed twice is a duplicate)', () => {
    const edit = replaceColumn(cols('W4g32-A16', 'W2g32'), 1, S('W4g32'));
    expect(edit.ok).toBe(false);
  });

  it('never returns repeated columns, whatever the edit', () => {
    const keys = ['W4g32', 'W2g32', 'W3g32', 'W8g32', 'W4g32-A8', 'Wfp4g32'];
    for (let n = 1; n <= 4; n++) {
      const columns = cols(...keys.slice(0, n));
      for (let index = 0; index < n; index++)
        for (const key of keys) {
          const edit = replaceColumn(columns, index, S(key));
          if (edit.ok) expect(new Set(edit.columns.map(settingToString)).size).toBe(n);
          else expect(settingToString(columns[edit.duplicateOf])).toBe(key);
        }
    }
  });

  it('rejects a column that does not exist', () => {
    expect(() => replaceColumn(cols('W4g32'), 1, S('W2g32'))).toThrow(RangeError);
  });

  it('labels FP, per-channel and SmoothQuant settings from the vocabulary', () => {
    expect(duplicateMessage(S('Wfp4g32-A8'), 0, S('W8c-A8-sq0.5'), 1)).toBe(
      'W8 per-ch · A8 · SQ α=0.5 is already column 2, so column 1 stays FP4 g32 · A8: pick another setting, or select column 2 to edit it.',
    );
  });
});
