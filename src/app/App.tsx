import { GpuStatusBar } from '../features/gpu-status/GpuStatusBar';
import { PlaygroundPanel } from '../features/playground';
import { ScalingLawPanel } from '../features/scaling-law';
import { AnalysisPanel } from '../features/analysis';
import { FormatExplorer } from '../features/format-explorer/FormatExplorer';
import { ModelSourcesPanel } from '../features/model-sources';

export function App() {
  return (
    <div className="app">
      <header>
        <h1>Quantized generation playground</h1>
        <p className="tagline">
          What does bit-width do to an image generator? Quantize VAR and DiT, live, on your GPU.
        </p>
        <nav className="page-nav" aria-label="Views">
          <a href="#playground-title">Samples and error traces</a>
          <a href="#scaling-title">Bit-level scaling law</a>
          <a href="#analysis-title">Activations, weights and noise</a>
          <a href="#explorer-title">Number formats</a>
          <a href="#sources-title">Your models</a>
        </nav>
        <GpuStatusBar />
      </header>
      <main>
        <PlaygroundPanel />
        <ScalingLawPanel />
        <AnalysisPanel />
        <FormatExplorer />
        <ModelSourcesPanel />
      </main>
      <footer>
        Science: “Dissecting Bit-Level Scaling Laws in Quantizing Vision Generative Models” (arXiv 2501.06218). Models:
        small VAR and DiT trained by us on MNIST; numbers measured in your browser.
      </footer>
    </div>
  );
}
