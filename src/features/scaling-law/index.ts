export { ScalingLawPanel } from './ScalingLawPanel';
