import { GpuStatusBar } from '../features/gpu-status/GpuStatusBar';
import { FormatExplorer } from '../features/format-explorer/FormatExplorer';

export function App() {
  return (
    <div className="app">
      <header>
        <h1>Quantized generation playground</h1>
        <p className="tagline">What does bit-width do to an image generator? Quantize VAR and DiT, live, on your GPU.</p>
        <GpuStatusBar />
      </header>
      <main>
        <FormatExplorer />
      </main>
      <footer>
        Science: “Dissecting Bit-Level Scaling Laws in Quantizing Vision Generative Models” (arXiv 2501.06218).
      </footer>
    </div>
  );
}
