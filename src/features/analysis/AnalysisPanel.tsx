import { useEffect } from 'react';
import { useAppStore } from '../../store';
import { ErrorPanel } from '../../components/ErrorPanel';
import { ActivationView } from './ActivationView';
import { WeightGridView } from './WeightGridView';
import { SnrView } from './SnrView';
import { MixedPrecisionView } from './MixedPrecisionView';
import './analysis.css';

/** The paper's analysis views: why activations are hard to quantise, what a weight grid looks like, and why VAR absorbs noise. */
export function AnalysisPanel() {
  const models = useAppStore((s) => s.analysisModels);
  const load = useAppStore((s) => s.loadAnalysisModels);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <section aria-labelledby="analysis-title" className="panel analysis-panel" data-testid="analysis-panel">
      <h2 id="analysis-title">Looking inside: activations, weights and noise</h2>
      <p className="explain">
        Four views of the trained MNIST generators behind the paper's results: where activation outliers live, how
        weights sit on a low-bit grid, which layers need more bits than others, and how much of a perturbation of each
        model's representation reaches its output.
      </p>
      {models.state === 'failed' && (
        <ErrorPanel title="The model list could not be loaded" message={models.error.message} fix={models.error.fix} />
      )}
      <ActivationView />
      <WeightGridView />
      <MixedPrecisionView />
      <SnrView />
    </section>
  );
}
