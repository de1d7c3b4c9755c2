import { expect } from 'vitest';
import { BundleError, type BundleErrorCode } from '../../../src/models/bundle/index.ts';

/** Awaits a rejection and checks it is a BundleError with this code whose message names every `mention`. */
export async function expectBundleError(
  p: Promise<unknown>,
  code: BundleErrorCode,
  ...mentions: string[]
): Promise<BundleError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected BundleError '${code}'`).toBeInstanceOf(BundleError);
  const err = caught as BundleError;
  expect(err.code, err.message).toBe(code);
  for (const m of mentions) expect(err.message, err.message).toContain(m);
  expect(err.fix.length).toBeGreaterThan(10);
  return err;
}
