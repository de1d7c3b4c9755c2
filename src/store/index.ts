/**
 * One zustand store built from typed slices, one per feature. Components select single fields:
 * `useAppStore((s) => s.gpuStatus)`.
 */
import { create } from 'zustand';
import { createGpuSlice, type GpuSlice } from '../features/gpu-status/gpuSlice';
import { createExplorerSlice, type ExplorerSlice } from '../features/format-explorer/explorerSlice';
import { createScalingLawSlice, type ScalingLawSlice } from '../features/scaling-law/scalingLawSlice';
import { createPlaygroundSlice, type PlaygroundSlice } from '../features/playground/playgroundSlice';
import { createAnalysisSlice, type AnalysisSlice } from '../features/analysis/analysisSlice';
import { createModelSourcesSlice, type ModelSourcesSlice } from '../features/model-sources/modelSourcesSlice';

export type AppState = GpuSlice & ExplorerSlice & ScalingLawSlice & PlaygroundSlice & AnalysisSlice & ModelSourcesSlice;

export const useAppStore = create<AppState>()((...a) => ({
  ...createGpuSlice(...a),
  ...createExplorerSlice(...a),
  ...createScalingLawSlice(...a),
  ...createPlaygroundSlice(...a),
  ...createAnalysisSlice(...a),
  ...createModelSourcesSlice(...a),
}));
