/** Short accessors over a parsed safetensors file for the tests and the CPU reference. */
import { tensorAsF32, tensorF64, tensorI32, type SafetensorsFile } from '../../../src/models/bundle/index.ts';

export class TensorReader {
  constructor(readonly file: SafetensorsFile) {}
  has(name: string): boolean {
    return this.file.tensors.has(name);
  }
  private readonly f32Cache = new Map<string, Float32Array>();
  f32(name: string): Float32Array {
    return tensorAsF32(this.file, name);
  }
  /** f32(name), converted once and shared: the references read the same weights at every step (do not mutate). */
  f32Cached(name: string): Float32Array {
    let v = this.f32Cache.get(name);
    if (!v) this.f32Cache.set(name, (v = this.f32(name)));
    return v;
  }
  f64(name: string): Float64Array {
    return this.file.tensors.get(name)?.dtype === 'F64'
      ? tensorF64(this.file, name)
      : Float64Array.from(this.f32(name));
  }
  i32(name: string): Int32Array {
    return tensorI32(this.file, name);
  }
}
