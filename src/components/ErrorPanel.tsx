import type { ReactNode } from 'react';

interface ErrorPanelProps {
  title: string;
  message: string;
  fix?: string;
  action?: ReactNode;
  /** Heading level of the title: 3 inside a panel (below its h2), 2 where the panel sits right under the page's h1. */
  headingLevel?: 2 | 3;
}

/** What went wrong and what to do, shown in place of the part of the app that failed. */
export function ErrorPanel({ title, message, fix, action, headingLevel = 3 }: ErrorPanelProps) {
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <div className="error-panel" role="alert">
      <Heading className="error-title">{title}</Heading>
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
