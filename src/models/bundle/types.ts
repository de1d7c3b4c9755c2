/**
 * TypeScript shapes of `public/models/index.json` and `<id>/manifest.json` (docs/bundle-format.md, formatVersion 1).
 * These describe what a VALIDATED bundle looks like: `validateBundle` checks every field it relies on before
 * handing one out, so the engine can use them without re-checking.
 */
import type { QuantTraining } from './quantTraining.ts';
import type { SensitivityTable } from './sensitivity.ts';

export const FORMAT_VERSION = 1;

/** The two generator families; every 'var' | 'dit' in the app is this type. */
export type ModelFamily = 'var' | 'dit';
export type Family = ModelFamily | 'vqvae' | 'vae' | 'classifier';
export const FAMILIES: readonly Family[] = ['var', 'dit', 'vqvae', 'vae', 'classifier'];

export type Dtype = 'F16' | 'F32' | 'F64' | 'I32';

export type TensorKind = 'linear-weight' | 'linear-bias' | 'embedding' | 'conv-weight' | 'conv-bias' | 'param';
export const TENSOR_KINDS: readonly TensorKind[] = [
  'linear-weight',
  'linear-bias',
  'embedding',
  'conv-weight',
  'conv-bias',
  'param',
];

export type FileRole =
  'weights' | 'goldens' | 'decoder-onnx' | 'classifier-onnx' | 'fd-stats' | 'kid-reference' | 'samples-png';
export const FILE_ROLES: readonly FileRole[] = [
  'weights',
  'goldens',
  'decoder-onnx',
  'classifier-onnx',
  'fd-stats',
  /** The classifier's test-split features (f16) and their mean off-diagonal kernel value, for KID. */
  'kid-reference',
  'samples-png',
];

export interface ParamCounts {
  readonly total: number;
  readonly linear: number;
}

export interface GeneratorMetrics {
  readonly fd: number;
  readonly accuracy: number;
  readonly samples: number;
  readonly settings: Record<string, unknown>;
  readonly perClassAccuracy: readonly number[];
}

export interface IndexEntry {
  readonly id: string;
  readonly family: Family;
  /** Relative to the models root, e.g. `mnist-var-d3/manifest.json`. */
  readonly manifest: string;
  readonly title: string;
  readonly params: ParamCounts;
  readonly metrics: GeneratorMetrics | null;
  /** Present for quantisation-aware trained / distilled students (a copy of the manifest's). */
  readonly quantTraining?: QuantTraining;
}

export interface BundleIndex {
  readonly formatVersion: 1;
  readonly models: readonly IndexEntry[];
}

export interface DatasetInfo {
  readonly name: string;
  readonly imageSize: number;
  readonly channels: number;
  readonly range: readonly [number, number];
  readonly numClasses: number;
  readonly train?: number;
  readonly test?: number;
}

export interface FileEntry {
  readonly path: string;
  readonly role: FileRole;
  readonly bytes: number;
  readonly sha256: string;
}

export interface TensorEntry {
  readonly name: string;
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  /** ABSOLUTE offset in weights.safetensors (8 + header length + data_offsets[0]). */
  readonly byteOffset: number;
  readonly byteLength: number;
  readonly kind: TensorKind;
}

export interface OnnxPort {
  readonly name: string;
  /** `'B'` marks the dynamic batch dimension. */
  readonly shape: readonly (number | 'B')[];
}

export interface OnnxInfo {
  readonly path: string;
  readonly opset: number;
  readonly inputs: readonly OnnxPort[];
  readonly outputs: readonly OnnxPort[];
}

export interface GoldensInfo {
  readonly path: string;
  readonly tensors: readonly string[];
  /** Metadata (class, seed, settings) varies per family. */
  readonly [key: string]: unknown;
}

export interface VarConfig {
  readonly depth: number;
  readonly width: number;
  readonly heads: number;
  readonly headDim: number;
  readonly mlpRatio: number;
  readonly vocabSize: number;
  readonly cvae: number;
  readonly patchNums: readonly number[];
  readonly numTokens: number;
  readonly firstL: number;
  readonly numClasses: number;
  readonly lnEps: number;
  readonly attnL2Norm: boolean;
  readonly maxScaleMulLog: number;
  readonly condDropRate?: number;
}

export interface DiffusionConfig {
  readonly betaSchedule: 'linear';
  readonly betaStart: number;
  readonly betaEnd: number;
  readonly trainSteps: number;
}

export interface DitConfig {
  readonly depth: number;
  readonly width: number;
  readonly heads: number;
  readonly headDim: number;
  readonly mlpRatio: number;
  readonly patch: number;
  readonly inputSize: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly learnSigma: boolean;
  readonly numClasses: number;
  readonly freqDim: number;
  readonly lnEps: number;
  readonly classDropoutProb?: number;
  readonly diffusion: DiffusionConfig;
}

export interface VqvaeConfig {
  readonly vocabSize: number;
  readonly cvae: number;
  readonly patchNums: readonly number[];
  readonly latentSize: number;
  readonly phiCount: number;
  readonly phiResiRatio: number;
  readonly phiTicks: readonly number[];
  readonly phiIndexPerScale: readonly number[];
}

export interface VaeConfig {
  readonly latentChannels: number;
  readonly latentSize: number;
  readonly scaleFactor: number;
}

export interface ClassifierConfig {
  readonly featureDim: number;
  readonly testAccuracy: number;
  readonly realFd: number;
}

export interface VarSampling {
  readonly cfg: number;
  readonly topK: number;
  readonly topP: number;
  readonly seed: number;
}

export interface DitSampling {
  readonly method: 'ddpm' | 'ddim';
  readonly steps: number;
  readonly cfg: number;
  readonly seed: number;
  /**
   * Optional: how many latent channels, from the first, classifier-free guidance applies to (the rest take the
   * cond prediction). Absent: all of them, our models' rule. The official DiT guides the first 3 of its 4.
   */
  readonly guidanceChannels?: number;
  /** Optional: the timesteps of a DDIM run, 'uniform' (default, as DDPM) or the official integer-stride 'ddimN'. */
  readonly ddimSpacing?: 'uniform' | 'ddimN';
}

interface ManifestBase<F extends Family, C> {
  readonly formatVersion: 1;
  readonly id: string;
  readonly family: F;
  readonly title: string;
  readonly dataset: DatasetInfo;
  readonly config: C;
  readonly params: ParamCounts;
  readonly requires: Readonly<Record<string, string>>;
  readonly files: readonly FileEntry[];
  readonly tensors: readonly TensorEntry[];
  readonly onnx?: OnnxInfo;
  readonly goldens?: GoldensInfo;
  readonly training?: Record<string, unknown>;
  readonly metrics: GeneratorMetrics | null;
  /** Present for quantisation-aware trained / distilled students (docs/qat.md). */
  readonly quantTraining?: QuantTraining;
  /** Per-Linear sensitivity by weight width (generators; training/mixed_precision.py), for `-mp<B>` settings. */
  readonly sensitivity?: SensitivityTable;
}

export interface VarManifest extends ManifestBase<'var', VarConfig> {
  readonly sampling: VarSampling;
}
export interface DitManifest extends ManifestBase<'dit', DitConfig> {
  readonly sampling: DitSampling;
}
export type VqvaeManifest = ManifestBase<'vqvae', VqvaeConfig>;
export type VaeManifest = ManifestBase<'vae', VaeConfig>;
export type ClassifierManifest = ManifestBase<'classifier', ClassifierConfig>;

export type Manifest = VarManifest | DitManifest | VqvaeManifest | VaeManifest | ClassifierManifest;
