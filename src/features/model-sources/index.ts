export { ModelSourcesPanel } from './ModelSourcesPanel';
export { keepModelsParam } from './modelsParam';
