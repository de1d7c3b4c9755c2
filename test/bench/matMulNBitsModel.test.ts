/**
 * The in-browser ONNX builder, checked two independent ways: onnxruntime-web's own generated onnx.proto decoder
 * reads back what we encoded from a hand-written proto subset, and onnxruntime's CPU (wasm) MatMulNBits, run in
 * Node, multiplies by exactly our dequantised weights.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { dequantizeWeight, f16BitsToF32, matmulReference, quantizeWeight, type WeightFormat } from '../../src/quant';
import { buildMatMulNBitsModel, matMulNBitsCompatible } from '../../tools/bench/src/matMulNBitsModel';
import { Rng } from '../../src/util/random';

interface DecodedTensor {
  name: string;
  dims: unknown[];
  dataType: number;
  rawData: Uint8Array;
}
interface DecodedModel {
  irVersion: unknown;
  opsetImport: { domain: string; version: unknown }[];
  graph: {
    node: {
      opType: string;
      domain: string;
      input: string[];
      output: string[];
      attribute: { name: string; type: number; i: unknown }[];
    }[];
    initializer: DecodedTensor[];
    input: {
      name: string;
      type: { tensorType: { elemType: number; shape: { dim: { dimValue?: unknown; dimParam?: string }[] } } };
    }[];
  };
}

// The package's exports hide lib/, so load the generated decoder by its file path.
const require = createRequire(import.meta.url);
const ONNX_JS = fileURLToPath(
  new URL('../../node_modules/onnxruntime-web/lib/onnxjs/ort-schema/protobuf/onnx.js', import.meta.url),
);
const onnx = require(ONNX_JS).onnx as { ModelProto: { decode(b: Uint8Array): DecodedModel } };

const num = (v: unknown): number => Number(v);

function quantized(rows: number, cols: number, format: WeightFormat, group: 32 | 64 | 128) {
  const w = new Rng(7).normals(rows * cols, 0.05);
  return quantizeWeight(w, rows, cols, format, { kind: 'group', size: group });
}

/** MatMulNBits' documented dequantisation of B (low bits first, default zero point 2^(bits-1)). */
function dequantizeLikeMatMulNBits(
  b: Uint8Array,
  scales: Float32Array,
  n: number,
  k: number,
  bits: number,
  block: number,
): Float32Array {
  const out = new Float32Array(n * k);
  const rowBytes = (k * bits) / 8;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < k; c++) {
      const q = bits === 8 ? b[r * rowBytes + c] : (b[r * rowBytes + (c >> 1)] >> ((c & 1) * 4)) & 0xf;
      out[r * k + c] = (q - 2 ** (bits - 1)) * scales[r * (k / block) + Math.floor(c / block)];
    }
  }
  return out;
}

describe('buildMatMulNBitsModel', () => {
  for (const [bits, block] of [
    [4, 32],
    [4, 128],
    [8, 32],
    [8, 128],
  ] as const) {
    it(`encodes int${bits} block ${block} so that onnx.proto decodes it to MatMulNBits with our weights`, () => {
      const n = 16;
      const k = 256;
      const packed = quantized(n, k, { kind: 'int', bits, symmetric: true }, block);
      const model = onnx.ModelProto.decode(buildMatMulNBitsModel(packed).bytes);

      expect(num(model.irVersion)).toBe(9);
      expect(model.opsetImport.map((o) => [o.domain, num(o.version)])).toEqual([
        ['', 21],
        ['com.microsoft', 1],
      ]);
      const [node] = model.graph.node;
      expect([node.opType, node.domain, node.input, node.output]).toEqual([
        'MatMulNBits',
        'com.microsoft',
        ['A', 'B', 'scales'],
        ['Y'],
      ]);
      const attrs = Object.fromEntries(node.attribute.map((a) => [a.name, num(a.i)]));
      expect(attrs).toEqual({ K: k, N: n, bits, block_size: block, accuracy_level: 0 });
      expect(node.attribute.every((a) => a.type === 2)).toBe(true); // AttributeProto.INT

      const dims = model.graph.input[0].type.tensorType.shape.dim;
      expect([dims[0].dimParam, num(dims[1].dimValue)]).toEqual(['M', k]);

      const [b, scales] = model.graph.initializer;
      expect([b.name, b.dims.map(num), b.dataType]).toEqual(['B', [n, k / block, (block * bits) / 8], 2]);
      expect([scales.name, scales.dims.map(num), scales.dataType]).toEqual(['scales', [n * (k / block)], 1]);
      const scaleValues = new Float32Array(new Uint8Array(scales.rawData).buffer); // copy: Node hands out pooled Buffers
      scaleValues.forEach((s, i) => expect(s).toBe(f16BitsToF32(packed.scales[i])));

      const theirs = dequantizeLikeMatMulNBits(b.rawData, scaleValues, n, k, bits, block);
      expect(Array.from(theirs)).toEqual(Array.from(dequantizeWeight(packed)));
    });
  }

  it('refuses formats MatMulNBits cannot express without zero points', () => {
    for (const format of [
      { kind: 'int', bits: 4, symmetric: false },
      { kind: 'int', bits: 3, symmetric: true },
      { kind: 'fp', name: 'e2m1' },
    ] as const) {
      const packed = quantized(4, 128, format, 32);
      expect(matMulNBitsCompatible(packed)).toBe(false);
      expect(() => buildMatMulNBitsModel(packed)).toThrow(/MatMulNBits needs symmetric int4 or int8/);
    }
  });

  it('runs on onnxruntime (CPU, wasm) and matches matmulReference on the dequantised weights', async () => {
    ort.env.wasm.numThreads = 1;
    const n = 32;
    const k = 128;
    const m = 3;
    const packed = quantized(n, k, { kind: 'int', bits: 4, symmetric: true }, 32);
    const session = await ort.InferenceSession.create(buildMatMulNBitsModel(packed).bytes, {
      executionProviders: ['wasm'],
    });
    const x = new Rng(11).normals(m * k);
    const { Y } = await session.run({ A: new ort.Tensor('float32', x, [m, k]) });
    const expected = matmulReference(x, m, k, dequantizeWeight(packed), n);
    const actual = Y.data as Float32Array;
    expect(Y.dims).toEqual([m, n]);
    for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], 4);
    await session.release();
  });
});
