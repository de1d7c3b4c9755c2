/** One line of the parity table: a golden tensor of one model compared with what our engine computed. */
export interface ParityRow {
  readonly model: string;
  /** 'tf' (one plain forward), 'step<k>' (VAR scale k / DiT sampling step n), 'ddim.step<n>', 'schedule'. */
  readonly step: string;
  /** Golden tensor name without the step prefix, e.g. 'logits_cond', 'tokens', 'f_hat', 'x_next'. */
  readonly tensor: string;
  /** max |ours - golden| / max |golden|; for token indices the fraction of mismatching tokens. */
  readonly error: number;
  readonly tolerance: number;
  readonly pass: boolean;
}

export interface ParityReport {
  readonly device: string;
  /** Per model and step: the largest error of its float tensors and whether its tokens (VAR) all match. */
  readonly maxByStep: Readonly<
    Record<string, Readonly<Record<string, { readonly maxError: number; readonly tokensExact?: boolean }>>>
  >;
  readonly rows: readonly ParityRow[];
  /** Bundles that could not be checked (invalid bundle, missing tokenizer, ...), with the reason. */
  readonly skipped: readonly { readonly model: string; readonly reason: string }[];
  readonly pass: boolean;
}

/** Full precision: every golden tensor within 1e-3 of its max magnitude; tokens exactly. */
export const FLOAT_TOLERANCE = 1e-3;

export function row(
  model: string,
  step: string,
  tensor: string,
  error: number,
  tolerance = FLOAT_TOLERANCE,
): ParityRow {
  return { model, step, tensor, error, tolerance, pass: error <= tolerance };
}

/** The per model, per step digest of `rows` (the table tools/parity/parity.mjs prints first). */
export function maxByStep(rows: readonly ParityRow[]): ParityReport['maxByStep'] {
  const out: Record<string, Record<string, { maxError: number; tokensExact?: boolean }>> = {};
  for (const r of rows) {
    const entry = ((out[r.model] ??= {})[r.step] ??= { maxError: 0 });
    if (r.tensor === 'tokens') entry.tokensExact = (entry.tokensExact ?? true) && r.error === 0;
    else entry.maxError = Math.max(entry.maxError, r.error);
  }
  return out;
}
