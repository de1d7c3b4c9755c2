export { PlaygroundPanel } from './components/PlaygroundPanel';
