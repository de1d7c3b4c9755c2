import type { ReactNode } from 'react';

interface ErrorPanelProps {
  title: string;
  message: string;
  fix?: string;
  action?: ReactNode;
}

/** What went wrong and what to do, shown in place of the part of the app that failed. */
export function ErrorPanel({ title, message, fix, action }: ErrorPanelProps) {
  return (
    <div className="error-panel" role="alert">
      <h3>{title}</h3>
      <p className="error-message">{message}</p>
      {fix && (
        <p className="error-fix">
          <strong>What to do: </strong>
          {fix}
        </p>
      )}
      {action}
    </div>
  );
}
