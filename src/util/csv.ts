/**
 * RFC 4180 field: quoted when it holds a comma, quote or line break; quotes doubled. Missing values and
 * non-finite numbers are empty fields (callers that want "Infinity" in the file pass the string).
 */
export function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
