/**
 * Minimal safetensors reader for the engine: header parse and typed views of F16/F32/F64/I32 tensors, every
 * float dtype widened to f32 (F64 kept as f64 where asked). TEMPORARY: src/models/bundle will own the parser
 * and validation; this file goes away when it lands (see docs/bundle-format.md, "safetensors").
 */
import { f16BitsToF32 } from '../../quant/f16';
import { ModelError } from './errors';

export type SafetensorsDtype = 'F16' | 'F32' | 'F64' | 'I32';

export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Absolute byte range in the file. */
  readonly begin: number;
  readonly end: number;
}

const BYTES: Record<SafetensorsDtype, number> = { F16: 2, F32: 4, F64: 8, I32: 4 };

export class SafetensorsFile {
  readonly entries: ReadonlyMap<string, SafetensorsEntry>;
  readonly metadata: Readonly<Record<string, string>>;

  constructor(
    private readonly bytes: ArrayBuffer,
    private readonly label: string,
  ) {
    const fail = (problem: string): never => {
      throw new ModelError('bundle-invalid', `${label} is not a valid safetensors file: ${problem}.`, 'Re-export the bundle with training/export_bundle.py.');
    };
    if (bytes.byteLength < 8) fail('it is shorter than 8 bytes');
    const view = new DataView(bytes);
    const headerLength = Number(view.getBigUint64(0, true));
    if (8 + headerLength > bytes.byteLength) fail(`the header length ${headerLength} runs past the end`);
    const header = JSON.parse(new TextDecoder().decode(new Uint8Array(bytes, 8, headerLength))) as Record<string, unknown>;
    const dataStart = 8 + headerLength;
    const entries = new Map<string, SafetensorsEntry>();
    let metadata: Record<string, string> = {};
    for (const [name, raw] of Object.entries(header)) {
      if (name === '__metadata__') {
        metadata = raw as Record<string, string>;
        continue;
      }
      const e = raw as { dtype: string; shape: number[]; data_offsets: [number, number] };
      if (!(e.dtype in BYTES)) fail(`tensor ${name} has dtype ${e.dtype} (expected F16, F32, F64 or I32)`);
      const dtype = e.dtype as SafetensorsDtype;
      const count = e.shape.reduce((a, b) => a * b, 1);
      const begin = dataStart + e.data_offsets[0];
      const end = dataStart + e.data_offsets[1];
      if (end - begin !== count * BYTES[dtype] || end > bytes.byteLength) fail(`tensor ${name} has a byte range that does not match its shape`);
      entries.set(name, { name, dtype, shape: e.shape, begin, end });
    }
    this.entries = entries;
    this.metadata = metadata;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  entry(name: string): SafetensorsEntry {
    const e = this.entries.get(name);
    if (!e) {
      throw new ModelError('tensor-missing', `${this.label} has no tensor "${name}".`, 'Re-export the bundle; the engine follows docs/bundle-format.md.');
    }
    return e;
  }

  /** Any float tensor as f32 (F16 and F64 converted; F64 rounds to f32). */
  f32(name: string, expectedShape?: readonly number[]): Float32Array {
    const e = this.checked(name, expectedShape);
    const count = (e.end - e.begin) / BYTES[e.dtype];
    switch (e.dtype) {
      case 'F32':
        return new Float32Array(this.bytes.slice(e.begin, e.end));
      case 'F16': {
        const bits = new Uint16Array(this.bytes.slice(e.begin, e.end));
        const out = new Float32Array(count);
        for (let i = 0; i < count; i++) out[i] = f16BitsToF32(bits[i]);
        return out;
      }
      case 'F64':
        return Float32Array.from(new Float64Array(this.bytes.slice(e.begin, e.end)));
      default:
        throw new ModelError('bundle-invalid', `${this.label}: tensor "${name}" is ${e.dtype}, not a float tensor.`, 'Read it with i32().');
    }
  }

  f64(name: string): Float64Array {
    const e = this.checked(name);
    if (e.dtype === 'F64') return new Float64Array(this.bytes.slice(e.begin, e.end));
    return Float64Array.from(this.f32(name));
  }

  i32(name: string, expectedShape?: readonly number[]): Int32Array {
    const e = this.checked(name, expectedShape);
    if (e.dtype !== 'I32') throw new ModelError('bundle-invalid', `${this.label}: tensor "${name}" is ${e.dtype}, not I32.`, 'Re-export the bundle.');
    return new Int32Array(this.bytes.slice(e.begin, e.end));
  }

  private checked(name: string, expectedShape?: readonly number[]): SafetensorsEntry {
    const e = this.entry(name);
    if (expectedShape && e.shape.join() !== expectedShape.join()) {
      throw new ModelError(
        'tensor-shape',
        `${this.label}: tensor "${name}" has shape [${e.shape.join(', ')}], the config implies [${expectedShape.join(', ')}].`,
        'The manifest config and the weights disagree; re-export the bundle.',
      );
    }
    return e;
  }
}
