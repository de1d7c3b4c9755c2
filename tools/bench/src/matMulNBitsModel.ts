/**
 * One-node ONNX models around com.microsoft MatMulNBits, built from our own PackedWeight so that onnxruntime and
 * our kernels multiply by exactly the same dequantised weights.
 *
 * Why the bytes carry over unchanged: MatMulNBits stores B as uint8 [N, n_blocks, blob_size] with elements packed
 * little-endian, low bits first (4-bit: even k in the low nibble), and without zero_points it dequantises
 * w = (q - 2^(bits-1)) * scale. Our symmetric INT layout (formats.ts) is the same bit stream with
 * value = code - 2^(bits-1), so for K a multiple of the block size a row of our codes is a row of B, and our f16
 * scales widened to f32 are MatMulNBits' scales [N * n_blocks].
 */
import { f16BitsToF32, formatName, type PackedWeight } from '../../../src/quant';
import { encodeOnnxModel, OnnxDataType } from './onnxProto';

export type MatMulNBitsBits = 4 | 8;

export interface MatMulNBitsModel {
  readonly bytes: Uint8Array;
  readonly k: number;
  readonly n: number;
  readonly bits: MatMulNBitsBits;
  readonly blockSize: number;
}

/** ONNX opset for the default domain; MatMulNBits lives in com.microsoft version 1. */
const DEFAULT_OPSET = 21;
const IR_VERSION = 9;

export function matMulNBitsCompatible(
  p: PackedWeight,
): p is PackedWeight & { format: { kind: 'int'; bits: MatMulNBitsBits; symmetric: true } } {
  return (
    p.format.kind === 'int' &&
    p.format.symmetric &&
    (p.format.bits === 4 || p.format.bits === 8) &&
    p.granularity.kind === 'group' &&
    p.cols % p.groupSize === 0
  );
}

/**
 * Y[M, n] = A[M, k] · dequant(B)[n, k]^T with accuracy_level 0 (f32 activations, no hidden int8 quantisation).
 * M is symbolic, so one session serves GEMV (M = 1) and GEMM.
 */
export function buildMatMulNBitsModel(packed: PackedWeight): MatMulNBitsModel {
  if (!matMulNBitsCompatible(packed)) {
    throw new Error(
      `MatMulNBits needs symmetric int4 or int8 with a group size dividing K; got ${formatName(packed.format)}, group ${packed.groupSize}, K ${packed.cols}`,
    );
  }
  const { rows: n, cols: k, groupSize: blockSize } = packed;
  const bits = packed.format.bits;
  const nBlocks = k / blockSize;
  const blobSize = (blockSize * bits) / 8;
  // Row length in bytes is k*bits/8, a multiple of 4 for every block size MatMulNBits accepts (>= 16), so the
  // u32 words of a row are exactly its bytes (WebGPU and every browser engine are little-endian).
  const b = new Uint8Array(packed.codes.buffer, packed.codes.byteOffset, n * nBlocks * blobSize).slice();
  const scales = new Float32Array(n * nBlocks);
  for (let i = 0; i < scales.length; i++) scales[i] = f16BitsToF32(packed.scales[i]);

  const bytes = encodeOnnxModel({
    irVersion: IR_VERSION,
    opsets: [
      { domain: '', version: DEFAULT_OPSET },
      { domain: 'com.microsoft', version: 1 },
    ],
    graphName: `matmulnbits_${bits}b_blk${blockSize}_${k}x${n}`,
    nodes: [
      {
        opType: 'MatMulNBits',
        domain: 'com.microsoft',
        name: 'MatMulNBits_0',
        inputs: ['A', 'B', 'scales'],
        outputs: ['Y'],
        intAttributes: { K: k, N: n, bits, block_size: blockSize, accuracy_level: 0 },
      },
    ],
    initializers: [
      { name: 'B', dims: [n, nBlocks, blobSize], dataType: OnnxDataType.UINT8, rawData: b },
      { name: 'scales', dims: [n * nBlocks], dataType: OnnxDataType.FLOAT, rawData: new Uint8Array(scales.buffer) },
    ],
    inputs: [{ name: 'A', elemType: OnnxDataType.FLOAT, dims: ['M', k] }],
    outputs: [{ name: 'Y', elemType: OnnxDataType.FLOAT, dims: ['M', n] }],
  });
  return { bytes, k, n, bits, blockSize };
}
