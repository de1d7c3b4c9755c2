import { useAppStore } from '../../../store';

/** Values of a shared link that could not be used, and what replaced them. */
export function UrlProblems() {
  const problems = useAppStore((s) => s.urlProblems);
  const dismiss = useAppStore((s) => s.dismissUrlProblems);
  if (problems.length === 0) return null;
  return (
    <div className="notice" role="status" aria-label="Link problems">
      <strong>Some values in this link could not be used:</strong>
      <ul>
        {problems.map((p) => (
          <li key={`${p.param}=${p.value}`}>{p.message}</li>
        ))}
      </ul>
      <button type="button" className="secondary" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}
