/**
 * Cheap checks that a file is of the type its role says, before it reaches a parser that would fail with an
 * opaque message (onnxruntime on an HTML page saved as decoder.onnx: "protobuf parsing failed" from inside
 * WASM, long after validation said the bundle was fine). Size and sha256 cannot catch this when the manifest
 * was re-stamped for the wrong file, as a mirror or a hand-made bundle may do.
 *
 * ONNX: the file must parse as protobuf wire format at the top level of a ModelProto (every field well formed
 * and inside the file, the last one ending exactly at the end), with ir_version (1), at least one opset_import
 * (8) and a graph (7); the graph's own fields must parse too, hold at least one node, and its inputs and
 * outputs must include the ports the manifest declares. This walks the top-level fields of two messages (a few
 * thousand at most), never the tensors' data, so it costs nothing next to the sha256.
 */
import { BundleError, REEXPORT_FIX } from './errors.ts';
import type { OnnxInfo } from './types.ts';

const WRONG_FILE_FIX =
  'Download or copy this file again from where the bundle came from (a web page or an error page may have been saved in its place), or re-export the bundle (python3 training/export_bundle.py, or training/convert_official.py).';

interface Field {
  readonly number: number;
  readonly wireType: number;
  /** For length-delimited fields: the payload's range in the buffer. */
  readonly start: number;
  readonly end: number;
}

/** Top-level fields of one protobuf message in bytes[from, to); a string describing the first problem otherwise. */
function fields(bytes: Uint8Array, from: number, to: number): Field[] | string {
  const out: Field[] = [];
  let pos = from;
  const varint = (): number | undefined => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10 && pos < to; i++) {
      const b = bytes[pos++];
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value <= Number.MAX_SAFE_INTEGER ? value : undefined;
      scale *= 128;
    }
    return undefined;
  };
  while (pos < to) {
    const at = pos;
    const tag = varint();
    if (tag === undefined) return `byte ${at}: a field tag that is not a valid varint`;
    const number = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (number < 1) return `byte ${at}: field number 0`;
    let start = pos;
    if (wireType === 0) {
      if (varint() === undefined) return `byte ${at}: field ${number} holds no valid varint`;
    } else if (wireType === 1 || wireType === 5) {
      pos += wireType === 1 ? 8 : 4;
    } else if (wireType === 2) {
      const length = varint();
      if (length === undefined) return `byte ${at}: field ${number} has no valid length`;
      start = pos;
      pos += length;
    } else {
      return `byte ${at}: field ${number} has wire type ${wireType}, which ONNX never uses`;
    }
    if (pos > to) return `byte ${at}: field ${number} runs past the end (${pos} > ${to})`;
    out.push({ number, wireType, start, end: pos });
  }
  return out;
}

/** Printable start of a file, for messages ("<!doctype html>..."), or '' when it is binary. */
function textStart(bytes: Uint8Array): string {
  const head = bytes.subarray(0, 40);
  if (head.length === 0 || !head.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09))
    return '';
  return JSON.stringify(new TextDecoder().decode(head).trim());
}

function notOnnx(file: string, bytes: Uint8Array, problem: string): BundleError {
  const text = textStart(bytes);
  const looks = text ? ` It starts with text ${text}: an HTML or error page saved under this name?` : '';
  return new BundleError('wrong-file-type', `the file is not an ONNX model (ModelProto): ${problem}.${looks}`, {
    file,
    fix: WRONG_FILE_FIX,
  });
}

const utf8 = (bytes: Uint8Array, f: Field): string => new TextDecoder().decode(bytes.subarray(f.start, f.end));

/** Names of a graph's ValueInfoProto list (graph field 11 inputs, 12 outputs; ValueInfoProto.name is field 1). */
function valueNames(bytes: Uint8Array, graph: Field[], number: number): string[] | string {
  const names: string[] = [];
  for (const v of graph.filter((f) => f.number === number && f.wireType === 2)) {
    const info = fields(bytes, v.start, v.end);
    if (typeof info === 'string') return info;
    const name = info.find((f) => f.number === 1 && f.wireType === 2);
    if (name) names.push(utf8(bytes, name));
  }
  return names;
}

/** Throws 'wrong-file-type' unless `bytes` look like an ONNX ModelProto; with `ports`, checks their names too. */
export function checkOnnxFile(bytes: Uint8Array, file: string, ports?: OnnxInfo): void {
  const model = fields(bytes, 0, bytes.byteLength);
  if (typeof model === 'string') throw notOnnx(file, bytes, model);
  const has = (n: number, wire: number) => model.some((f) => f.number === n && f.wireType === wire);
  if (!has(1, 0)) throw notOnnx(file, bytes, 'no ir_version (field 1)');
  if (!has(8, 2)) throw notOnnx(file, bytes, 'no opset_import (field 8)');
  const g = model.find((f) => f.number === 7 && f.wireType === 2);
  if (!g) throw notOnnx(file, bytes, 'no graph (field 7)');
  const graph = fields(bytes, g.start, g.end);
  if (typeof graph === 'string') throw notOnnx(file, bytes, `its graph does not parse (${graph})`);
  if (!graph.some((f) => f.number === 1 && f.wireType === 2)) throw notOnnx(file, bytes, 'its graph has no nodes');
  if (!ports) return;
  for (const [side, number] of [
    ['inputs', 11],
    ['outputs', 12],
  ] as const) {
    const names = valueNames(bytes, graph, number);
    if (typeof names === 'string') throw notOnnx(file, bytes, `its graph ${side} do not parse (${names})`);
    ports[side].forEach((p, i) => {
      if (!names.includes(p.name)) {
        throw new BundleError(
          'wrong-shape',
          `the manifest's onnx.${side}[${i}] is '${p.name}', but the graph's ${side} are ${JSON.stringify(names)}.`,
          {
            file,
            fix: REEXPORT_FIX,
          },
        );
      }
    });
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** PNG signature then an IHDR chunk: enough to tell a PNG from a saved web page. */
export function checkPngFile(bytes: Uint8Array, file: string): void {
  const ok =
    bytes.byteLength >= 16 &&
    PNG_SIGNATURE.every((b, i) => bytes[i] === b) &&
    new TextDecoder().decode(bytes.subarray(12, 16)) === 'IHDR';
  if (!ok) {
    const text = textStart(bytes);
    throw new BundleError(
      'wrong-file-type',
      `the file is not a PNG image (no PNG signature and IHDR chunk).${text ? ` It starts with text ${text}.` : ''}`,
      {
        file,
        fix: WRONG_FILE_FIX,
      },
    );
  }
}
