/**
 * The smallest file that passes the validator's ONNX check (src/models/bundle/fileTypes.ts): a ModelProto with
 * ir_version, one opset_import and a graph of one Identity node per output, with the declared input and output
 * names. Encoded here by hand from the ONNX field numbers, independently of the checker. Not runnable by
 * onnxruntime (no types or shapes): the fixture bundles are for the validator and the engine's weight paths.
 */
const enc = new TextEncoder();

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

type Part = number[];
const intField = (field: number, value: number): Part => [...varint(field * 8), ...varint(value)];
const bytesField = (field: number, payload: ArrayLike<number>): Part => [
  ...varint(field * 8 + 2),
  ...varint(payload.length),
  ...Array.from(payload),
];
const strField = (field: number, s: string): Part => bytesField(field, enc.encode(s));
const msg = (...parts: Part[]): Part => parts.flat();

export function onnxStub(inputs: readonly string[], outputs: readonly string[]): Uint8Array {
  const nodes = outputs.map((out) =>
    bytesField(1, msg(strField(1, inputs[0]), strField(2, out), strField(4, 'Identity'))),
  );
  const graph = msg(
    ...nodes,
    strField(2, 'fixture'),
    ...inputs.map((name) => bytesField(11, strField(1, name))),
    ...outputs.map((name) => bytesField(12, strField(1, name))),
  );
  return Uint8Array.from(
    msg(
      intField(1, 8),
      strField(2, 'test/models/helpers/onnxStub.ts'),
      bytesField(7, graph),
      bytesField(8, msg(strField(1, ''), intField(2, 17))),
    ),
  );
}
