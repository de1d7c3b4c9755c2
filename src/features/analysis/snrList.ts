import { AppError } from '../../util/errors';

/** The SNR view's list of input SNRs, typed by the user as numbers in dB separated by commas or spaces. */
export function parseSnrList(text: string): { values: number[] } | { error: string } {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return { error: 'No input SNR given.' };
  const values = parts.map(Number);
  const bad = parts.find((_, i) => !Number.isFinite(values[i]));
  if (bad !== undefined) return { error: `"${bad}" is not a number of dB.` };
  return { values: [...new Set(values)].sort((a, b) => a - b) };
}

/** A list parseSnrList refused, thrown inside the SNR view's run so that it ends like any failed run. */
export class SnrListError extends AppError<'argument-invalid'> {
  override readonly name = 'SnrListError';
  constructor(problem: string) {
    super('argument-invalid', problem, 'Type numbers in dB separated by commas, e.g. 0, 10, 20, 30, 40.');
  }
}
