/** The SNR view's list of input SNRs, typed by the user as numbers in dB separated by commas or spaces. */
export function parseSnrList(text: string): { values: number[] } | { error: string } {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return { error: 'No input SNR given.' };
  const values = parts.map(Number);
  const bad = parts.find((_, i) => !Number.isFinite(values[i]));
  if (bad !== undefined) return { error: `"${bad}" is not a number of dB.` };
  return { values: [...new Set(values)].sort((a, b) => a - b) };
}
