/** Edits of a safetensors header for the hostile-bundle and fuzz tests (the data section stays byte for byte). */
import { manifestOf, replaceFileStamped, weightsPath } from './editBundle.ts';
import type { MemoryBundleSource } from './sources.ts';

export type Header = Record<string, unknown>;

export function readHeader(bytes: Uint8Array): { header: Header; length: number } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Header, length };
}

/** Rewrites a safetensors header, re-padding it to a multiple of 8. */
export function withHeader(bytes: Uint8Array, edit: (h: Header) => void): Uint8Array {
  const { header, length: n } = readHeader(bytes);
  edit(header);
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const hb = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + hb.byteLength + bytes.byteLength - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.byteLength), true);
  out.set(hb, 8);
  out.set(bytes.subarray(8 + n), 8 + hb.byteLength);
  return out;
}

/** A consistent but hostile export: new weights bytes, re-stamped, with the manifest's tensor index made to agree. */
export function replaceWeights(src: MemoryBundleSource, id: string, bytes: Uint8Array): void {
  const path = weightsPath(src, id);
  replaceFileStamped(src, id, path, bytes);
  const { header, length: n } = readHeader(bytes);
  const m = manifestOf(src, id);
  for (const t of m.tensors) {
    const offs = (header[t.name] as { data_offsets?: unknown } | undefined)?.data_offsets;
    if (Array.isArray(offs) && typeof offs[0] === 'number' && typeof offs[1] === 'number') {
      t.byteOffset = 8 + n + offs[0];
      t.byteLength = offs[1] - offs[0];
    }
  }
  src.setJson(`${id}/manifest.json`, m);
}
