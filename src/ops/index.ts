/** Plain TypeScript references of the GPU ops (src/kernels/ops) and DiT's diffusion schedule. */
export * from './sampleVectors';
export * from './layerNorm';
export * from './elementwise';
export * from './attention';
export * from './embedding';
export * from './patchify';
export * from './vq';
export * from './sampling';
export * from './diffusionSchedule';
export * from './diffusionStep';
export * from './kvCacheQ8';
