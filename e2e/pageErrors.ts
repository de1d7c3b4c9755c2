import type { Page } from '@playwright/test';

/**
 * Collects page errors and console errors so a test fails on anything the user would not see.
 * Shared by the app and module specs; callers assert the returned array is empty at the end.
 */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}
