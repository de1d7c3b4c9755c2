import type { ReactNode } from 'react';

/**
 * The controls of an analysis view as one form, so its submit button and Enter in any field both start the
 * view's run (and the page does not reload).
 */
export function ControlsForm({ onRun, children }: { onRun: () => unknown; children: ReactNode }) {
  return (
    <form
      className="controls"
      onSubmit={(e) => {
        e.preventDefault();
        void onRun();
      }}
    >
      {children}
    </form>
  );
}
