/** Short accessors over a parsed safetensors file for the tests and the CPU reference. */
import { tensorAsF32, tensorF64, tensorI32, type SafetensorsFile } from '../../../src/models/bundle/index.ts';

export class TensorReader {
  constructor(readonly file: SafetensorsFile) {}
  has(name: string): boolean {
    return this.file.tensors.has(name);
  }
  f32(name: string): Float32Array {
    return tensorAsF32(this.file, name);
  }
  f64(name: string): Float64Array {
    return this.file.tensors.get(name)?.dtype === 'F64' ? tensorF64(this.file, name) : Float64Array.from(this.f32(name));
  }
  i32(name: string): Int32Array {
    return tensorI32(this.file, name);
  }
}
