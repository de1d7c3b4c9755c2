import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BenchPage } from './BenchPage';
import { EndToEndBenchPage } from './EndToEndBenchPage';
import './bench.css';

// `?suite=e2e` selects the end-to-end generator bench; anything else the kernel bench.
const search = window.location.search;
const endToEnd = new URLSearchParams(search).get('suite') === 'e2e';

createRoot(document.getElementById('root')!).render(
  <StrictMode>{endToEnd ? <EndToEndBenchPage search={search} /> : <BenchPage search={search} />}</StrictMode>,
);
