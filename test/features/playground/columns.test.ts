import { describe, expect, it } from 'vitest';
import { duplicateMessage, replaceColumn } from '../../../src/features/playground/columns';

describe('playground columns: no setting shown twice', () => {
  it('replaces a column with a setting no other column shows', () => {
    expect(replaceColumn(['W4g32', 'W2g32'], 0, 'W3g32')).toEqual({ ok: true, columns: ['W3g32', 'W2g32'] });
    expect(replaceColumn(['W4g32', 'W2g32'], 1, 'W4g32-A8')).toEqual({ ok: true, columns: ['W4g32', 'W4g32-A8'] });
  });

  it('keeps a column set to its own setting (no change, no refusal)', () => {
    expect(replaceColumn(['W4g32', 'W2g32'], 1, 'W2g32')).toEqual({ ok: true, columns: ['W4g32', 'W2g32'] });
  });

  it('refuses a setting another column already shows, naming that column and what stays', () => {
    const edit = replaceColumn(['W4g32', 'W2g32', 'W8g32'], 0, 'W2g32');
    expect(edit).toEqual({ ok: false, duplicateOf: 1, message: 'W2 g32 is already column 2, so column 1 stays W4 g32: pick another setting, or select column 2 to edit it.' });
  });

  it('tells a trained student from the RTN setting it was trained for', () => {
    expect(replaceColumn(['W3g32', 'W4g32'], 1, 'W3g32~qat-task').ok).toBe(true);
    const edit = replaceColumn(['W3g32~qat-task', 'W4g32'], 1, 'W3g32~qat-task');
    expect(edit.ok).toBe(false);
    if (!edit.ok) expect(edit.message).toMatch(/^W3 g32 · QAT, task loss is already column 1, so column 2 stays W4 g32/);
  });

  it('never returns repeated columns, whatever the edit', () => {
    const keys = ['W4g32', 'W2g32', 'W3g32', 'W8g32', 'W4g32-A8', 'Wfp4g32'];
    for (let n = 1; n <= 4; n++) {
      const columns = keys.slice(0, n);
      for (let index = 0; index < n; index++)
        for (const key of keys) {
          const edit = replaceColumn(columns, index, key);
          if (edit.ok) expect(new Set(edit.columns).size).toBe(n);
          else expect(columns[edit.duplicateOf]).toBe(key);
        }
    }
  });

  it('rejects a column that does not exist', () => {
    expect(() => replaceColumn(['W4g32'], 1, 'W2g32')).toThrow(RangeError);
  });

  it('spells an unreadable key as it is', () => {
    expect(duplicateMessage('W4g32', 0, 'nonsense', 1)).toBe('nonsense is already column 2, so column 1 stays W4 g32: pick another setting, or select column 2 to edit it.');
  });
});
