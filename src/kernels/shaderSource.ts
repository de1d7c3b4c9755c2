/**
 * WGSL sources of the kernels, assembled from shaders/ (imported with ?raw, so Vite and Vitest inline them).
 * One body per idea: each matmul path (shaders/gemv_*.wgsl, gemm_rows.wgsl, common/tiled_gemm.wgsl) is written once
 * against a small weight-source interface (valueAt, quadValues, blockDot, groupIndex, scaleAt, offsetAt,
 * HAS_OFFSET, weightAt) that two files implement: packed low-bit weights (common/packed_weight.wgsl +
 * packed_blocks.wgsl) and dense f32/f16 weights (common/dense_weight.wgsl). WGSL resolves names module-wide, so
 * order only matters for reading: shared declarations first, then the entry point.
 */
import matmulShape from '../../shaders/common/matmul_shape.wgsl?raw';
import matmulOutput from '../../shaders/common/matmul_output.wgsl?raw';
import packedWeight from '../../shaders/common/packed_weight.wgsl?raw';
import packedBlocks from '../../shaders/common/packed_blocks.wgsl?raw';
import packedTile from '../../shaders/common/packed_tile.wgsl?raw';
import denseWeight from '../../shaders/common/dense_weight.wgsl?raw';
import denseTile from '../../shaders/common/dense_tile.wgsl?raw';
import activationInput from '../../shaders/common/activation_input.wgsl?raw';
import blockSums from '../../shaders/common/block_sums.wgsl?raw';
import tiledGemm from '../../shaders/common/tiled_gemm.wgsl?raw';
import gemvRows from '../../shaders/gemv_rows.wgsl?raw';
import gemvSplitk from '../../shaders/gemv_splitk.wgsl?raw';
import gemvSubgroup from '../../shaders/gemv_subgroup.wgsl?raw';
import gemmRows from '../../shaders/gemm_rows.wgsl?raw';
import gemmBlock from '../../shaders/gemm_block.wgsl?raw';
import dequant from '../../shaders/dequant.wgsl?raw';
import actQuant from '../../shaders/common/act_quant.wgsl?raw';
import actFakequant from '../../shaders/act_fakequant.wgsl?raw';
import actFakequantRows from '../../shaders/act_fakequant_rows.wgsl?raw';
import actQuantInt8 from '../../shaders/act_quant_int8.wgsl?raw';
import qgemmDot4 from '../../shaders/qgemm_dot4.wgsl?raw';
import hadamardActQuant from '../../shaders/hadamard_act_quant.wgsl?raw';
import type { MatmulPath } from './matmulPlan';

/** How a matmul kernel's weight is stored: packed codes + f16 group scales, or dense f32 / f16 values. */
export type WeightSource = 'packed' | 'dense';

const WEIGHT_SOURCE: Record<WeightSource, readonly string[]> = {
  packed: [matmulShape, packedWeight, packedBlocks],
  dense: [matmulShape, denseWeight],
};
const TILE_LOAD: Record<WeightSource, string> = { packed: packedTile, dense: denseTile };
const BODY: Record<Exclude<MatmulPath, 'gemm'>, string> = {
  'gemv-rows': gemvRows,
  'gemv-splitk': gemvSplitk,
  'gemv-subgroup': gemvSubgroup,
  'gemm-rows': gemmRows,
  'gemm-block': gemmBlock,
};

/**
 * The module of one matmul path over one weight source. 'gemv-subgroup' compiles only on a device created with the
 * 'subgroups' feature (its enable directive must come first).
 */
export function matmulWgsl(source: WeightSource, path: MatmulPath): string {
  const body = path === 'gemm' ? [TILE_LOAD[source], tiledGemm] : [blockSums, BODY[path]];
  const code = [...WEIGHT_SOURCE[source], activationInput, matmulOutput, ...body].join('\n');
  return path === 'gemv-subgroup' ? `enable subgroups;\n${code}` : code;
}

export const DEQUANT_WGSL = `${matmulShape}\n${packedWeight}\n${dequant}`;
export const ACT_FAKEQUANT_WGSL = `${actQuant}\n${actFakequant}`;
export const ACT_FAKEQUANT_ROWS_WGSL = `${actQuant}\n${actFakequantRows}`;
/** Randomized Hadamard rotation fused before the activation fake quantiser (the -had modifier). */
export const HADAMARD_WGSL = `${actQuant}\n${hadamardActQuant}`;
/** Activation quantisation to packed int8 (codes + token scales) for QGEMM_DOT4_WGSL. */
export const ACT_QUANT_INT8_WGSL = `${actQuant}\n${actQuantInt8}`;
/** Needs the WGSL language feature packed_4x8_integer_dot_product (the `requires` directive must come first). */
export const QGEMM_DOT4_WGSL = `requires packed_4x8_integer_dot_product;\n${matmulShape}\n${packedWeight}\n${matmulOutput}\n${qgemmDot4.replace('requires packed_4x8_integer_dot_product;', '')}`;
