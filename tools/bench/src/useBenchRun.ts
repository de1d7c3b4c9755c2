/**
 * The run state both bench pages share (kernel bench and end-to-end bench): start a run, log its progress, keep
 * its result or error, offer the JSON for download, and with `?auto=1` start by itself. The result (or error)
 * is published on `window` for tools/bench/run.mjs, and progress lines go to the console with a `[bench]` prefix,
 * which the driver echoes.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { BenchResult } from './resultTypes';
import type { EndToEndResult } from './e2e/endToEndTypes';

declare global {
  interface Window {
    __benchResult?: BenchResult | EndToEndResult;
    __benchError?: string;
    /** Set when the page's script has loaded, so the driver can tell a broken bundle from a slow bench. */
    __benchLoaded?: boolean;
  }
}

/** What a suite reports as it goes: `done` of `total` cases finished. */
export interface RunProgress {
  readonly message: string;
  readonly done: number;
  readonly total: number;
}

export interface BenchRun<Config, Result> {
  readonly running: boolean;
  readonly log: readonly string[];
  readonly result: Result | undefined;
  readonly error: string | undefined;
  /** An object URL of the result as JSON, revoked when the result changes or the page unmounts. */
  readonly download: string | undefined;
  readonly start: (config: Config) => Promise<void>;
}

export function useBenchRun<Config, Result extends BenchResult | EndToEndResult>(
  search: string,
  configFromUrl: (search: string) => Config,
  run: (config: Config, onProgress: (p: RunProgress) => void) => Promise<Result>,
): BenchRun<Config, Result> {
  const [running, setRunning] = useState(false);
  const [log, setLog] = useState<string[]>([]);
  const [result, setResult] = useState<Result>();
  // `?auto=1`: the URL's config (or why it is invalid) is read once, on the first render.
  const [auto] = useState(() => autoStart(search, configFromUrl));
  const [error, setError] = useState<string | undefined>(auto && 'error' in auto ? auto.error : undefined);
  const autoStarted = useRef(false);

  const start = async (config: Config): Promise<void> => {
    setRunning(true);
    setError(undefined);
    setResult(undefined);
    setLog([]);
    const onProgress = (p: RunProgress): void => {
      const line = `[${p.done}/${p.total}] ${p.message}`;
      console.log(`[bench] ${line}`);
      setLog((lines) => [...lines, line]);
    };
    try {
      const r = await run(config, onProgress);
      window.__benchResult = r;
      setResult(r);
    } catch (e) {
      const message = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
      window.__benchError = message;
      setError(message);
    } finally {
      setRunning(false);
    }
  };

  useEffect(() => {
    window.__benchLoaded = true;
    if (auto && 'error' in auto) window.__benchError = auto.error;
    if (!auto || !('config' in auto) || autoStarted.current) return; // StrictMode runs effects twice in dev
    autoStarted.current = true;
    void start(auto.config);
    // Once, on mount: the URL does not change in place, and a later render's `start` is the same run logic.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const download = useMemo(
    () =>
      result
        ? URL.createObjectURL(new Blob([JSON.stringify(result, null, 2)], { type: 'application/json' }))
        : undefined,
    [result],
  );
  useEffect(() => () => (download ? URL.revokeObjectURL(download) : undefined), [download]);

  return { running, log, result, error, download, start };
}

/** The run `?auto=1` asks for: the URL's config, or the reason it is invalid; undefined without `auto=1`. */
function autoStart<Config>(
  search: string,
  configFromUrl: (search: string) => Config,
): { config: Config } | { error: string } | undefined {
  if (new URLSearchParams(search).get('auto') !== '1') return undefined;
  try {
    return { config: configFromUrl(search) };
  } catch (e) {
    return { error: String(e) };
  }
}
