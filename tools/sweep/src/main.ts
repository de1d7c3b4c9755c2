/**
 * The sweep page (tools/sweep/sweep.html): exposes the engine worker's quality measurement as `window.__sweep` for
 * tools/sweep/sweep.mjs, which decides the grid, prints progress and writes the sweep file. The page only shows
 * a log of finished points.
 */
import { createSweepApi, type SweepPageApi, type SweepReport } from './sweepPage';

declare global {
  interface Window {
    __sweep?: SweepPageApi;
    /** Installed by the driver (Playwright exposeFunction) before it calls measure. */
    __sweepReport?: SweepReport;
  }
}

const status = document.getElementById('status')!;
const logView = document.getElementById('log')!;
window.__sweep = createSweepApi(
  () => window.__sweepReport,
  (line) => {
    logView.textContent += `${line}\n`;
    status.textContent = line;
  },
);
status.textContent = 'Ready: run `npm run sweep` to drive this page.';
document.body.dataset.ready = '1';
