/**
 * Keeps the playground view and the page URL in step: the URL is read once at start (bad values reported and
 * replaced), then every view change is written back with history.replaceState so a copied link reproduces it.
 */
import { useEffect } from 'react';
import { useAppStore } from '../../store';
import { searchToView, viewToSearch } from './viewState';
import { keepModelsParam } from '../model-sources/modelsParam';

export function usePlaygroundUrl(): void {
  useEffect(() => {
    const { view, problems } = searchToView(window.location.search);
    useAppStore.getState().setView(view, problems);
    return useAppStore.subscribe((state, previous) => {
      if (state.playground === previous.playground) return;
      // ?models= belongs to "Your models" (model-sources): kept so a reload brings the same sources back.
      const search = keepModelsParam(viewToSearch(state.playground), window.location.search);
      if (search !== window.location.search)
        window.history.replaceState(null, '', `${window.location.pathname}${search}${window.location.hash}`);
    });
  }, []);
}

/**
 * Live updates: once the model list is loaded, every view change asks for the cells it lacks (after a short
 * pause, so typing a seed does not start a run per keystroke). Cached cells make most changes cost one run.
 */
export function useLiveGenerate(enabled: boolean): void {
  const view = useAppStore((s) => s.playground);
  const ready = useAppStore((s) => s.models.state === 'ready');
  const gpuReady = useAppStore((s) => s.gpuStatus.state === 'ready');
  useEffect(() => {
    if (!enabled || !ready || !gpuReady) return;
    const timer = setTimeout(() => void useAppStore.getState().generate(), 250);
    return () => clearTimeout(timer);
  }, [view, ready, gpuReady, enabled]);
}
