import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/chromium.mjs';

// `npx playwright install` cannot download browsers here, so the executable is Debian's (scripts/chromium.mjs).

const APP_URL = 'http://127.0.0.1:4173';
const MODULES_URL = 'http://127.0.0.1:5174';

/**
 * The projects named with --project on the command line (all when none). Playwright starts every webServer
 * whatever the selection, and `vite preview` fails without a build, so `--project modules` alone must not
 * ask for the preview server (and `--project app` need not start the dev server).
 */
function selectedProjects(argv: readonly string[]): Set<string> | undefined {
  const names: string[] = [];
  argv.forEach((arg, i) => {
    if (arg === '--project' && argv[i + 1]) names.push(argv[i + 1]);
    else if (arg.startsWith('--project=')) names.push(arg.slice('--project='.length));
  });
  return names.length > 0 ? new Set(names.flatMap((n) => n.split(','))) : undefined;
}
const selected = selectedProjects(process.argv);
const wants = (project: string) => !selected || selected.has(project);

export default defineConfig({
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      // The built app (`npx vite build` first; `node e2e/run.mjs` does both).
      name: 'app',
      testDir: '.',
      testMatch: '*.spec.ts',
      testIgnore: 'modules/**',
      use: { baseURL: APP_URL },
    },
    {
      // Module code in real Chromium: specs open /e2e/modules/harness.html on the dev server and import src/ modules.
      name: 'modules',
      testDir: './modules',
      testMatch: '*.spec.ts',
      use: { baseURL: MODULES_URL },
    },
  ],
  webServer: [
    ...(wants('app')
      ? [
          {
            command: 'npx vite preview --host 127.0.0.1 --port 4173 --strictPort',
            // Playwright starts it in the config's folder by default; dist/ and vite.config.ts are at the root.
            cwd: process.cwd(),
            url: APP_URL,
            reuseExistingServer: !process.env.CI,
            timeout: 60_000,
          },
        ]
      : []),
    ...(wants('modules')
      ? [
          {
            command: 'npx vite --host 127.0.0.1 --port 5174 --strictPort',
            cwd: process.cwd(),
            url: `${MODULES_URL}/e2e/modules/harness.html`,
            reuseExistingServer: !process.env.CI,
            timeout: 60_000,
          },
        ]
      : []),
  ],
});
