import { ExplorerControls } from './ExplorerControls';
import { ExplorerResult } from './ExplorerResult';

export function FormatExplorer() {
  return (
    <section aria-labelledby="explorer-title" className="panel">
      <h2 id="explorer-title">Number formats on the GPU</h2>
      <p className="explain">
        A weight matrix is stored as low-bit codes plus one f16 scale per group. Fewer bits mean a coarser grid: the
        weights snap to fewer values and the layer's output drifts from full precision. Smaller groups track the weights
        more closely but spend more bits on scales.
      </p>
      <ExplorerControls />
      <ExplorerResult />
    </section>
  );
}
