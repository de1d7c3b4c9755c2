/**
 * WGSL sources of the kernels, assembled from shaders/ (imported with ?raw, so Vite and Vitest inline them).
 * Shared pieces live in shaders/common/ and are concatenated here; WGSL resolves names module-wide, so order only
 * matters for reading: shared declarations first, then the kernel.
 */
import packedWeight from '../../shaders/common/packed_weight.wgsl?raw';
import activationInput from '../../shaders/common/activation_input.wgsl?raw';
import tiledGemm from '../../shaders/common/tiled_gemm.wgsl?raw';
import qgemvBlocks from '../../shaders/common/qgemv_blocks.wgsl?raw';
import dequant from '../../shaders/dequant.wgsl?raw';
import qgemv from '../../shaders/qgemv.wgsl?raw';
import qgemvRows from '../../shaders/qgemv_rows.wgsl?raw';
import qgemvSubgroup from '../../shaders/qgemv_subgroup.wgsl?raw';
import qgemm from '../../shaders/qgemm.wgsl?raw';
import qgemmRows from '../../shaders/qgemm_rows.wgsl?raw';
import gemmF32Rows from '../../shaders/gemm_f32_rows.wgsl?raw';
import matmulF32 from '../../shaders/matmul_f32.wgsl?raw';
import gemvF32 from '../../shaders/gemv_f32.wgsl?raw';
import gemvF32Rows from '../../shaders/gemv_f32_rows.wgsl?raw';
import actQuant from '../../shaders/common/act_quant.wgsl?raw';
import actFakequant from '../../shaders/act_fakequant.wgsl?raw';
import actFakequantRows from '../../shaders/act_fakequant_rows.wgsl?raw';
import actQuantInt8 from '../../shaders/act_quant_int8.wgsl?raw';
import qgemmDot4 from '../../shaders/qgemm_dot4.wgsl?raw';

export const DEQUANT_WGSL = `${packedWeight}\n${dequant}`;
export const QGEMV_WGSL = `${packedWeight}\n${activationInput}\n${qgemvBlocks}\n${qgemv}`;
export const QGEMV_ROWS_WGSL = `${packedWeight}\n${activationInput}\n${qgemvBlocks}\n${qgemvRows}`;
/** Compiles only on a device created with the 'subgroups' feature (the enable directive must come first). */
export const QGEMV_SUBGROUP_WGSL = `enable subgroups;\n${packedWeight}\n${activationInput}\n${qgemvBlocks}\n${qgemvSubgroup}`;
export const QGEMM_ROWS_WGSL = `${packedWeight}\n${activationInput}\n${qgemvBlocks}\n${qgemmRows}`;
export const GEMM_F32_ROWS_WGSL = gemmF32Rows;
export const QGEMM_WGSL = `${packedWeight}\n${qgemm}\n${activationInput}\n${tiledGemm}`;
export const MATMUL_F32_WGSL = `${matmulF32}\n${activationInput}\n${tiledGemm}`;
export const GEMV_F32_WGSL = gemvF32;
export const GEMV_F32_ROWS_WGSL = gemvF32Rows;
export const ACT_FAKEQUANT_WGSL = `${actQuant}\n${actFakequant}`;
export const ACT_FAKEQUANT_ROWS_WGSL = `${actQuant}\n${actFakequantRows}`;
/** Activation quantisation to packed int8 (codes + token scales) for QGEMM_DOT4_WGSL. */
export const ACT_QUANT_INT8_WGSL = `${actQuant}\n${actQuantInt8}`;
/** Needs the WGSL language feature packed_4x8_integer_dot_product (the `requires` directive must come first). */
export const QGEMM_DOT4_WGSL = `requires packed_4x8_integer_dot_product;\n${packedWeight}\n${qgemmDot4.replace('requires packed_4x8_integer_dot_product;', '')}`;
