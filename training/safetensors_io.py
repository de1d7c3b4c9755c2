"""Minimal safetensors reader/writer with numpy (no PyPI package here). See docs/bundle-format.md."""
import json
import struct

import numpy as np

DTYPES = {'F16': np.float16, 'F32': np.float32, 'F64': np.float64, 'I32': np.int32, 'I64': np.int64, 'U8': np.uint8}
NAMES = {np.dtype(v): k for k, v in DTYPES.items()}


def _align8(n):
    return (n + 7) // 8 * 8


def save(path, tensors, metadata=None):
    """tensors: ordered dict name -> numpy array. Returns the index [{name, dtype, shape, byteOffset, byteLength}]
    with ABSOLUTE byte offsets in the written file."""
    header, offset, blobs = {}, 0, []
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        data = arr.astype(arr.dtype.newbyteorder('<'), copy=False).tobytes()
        header[name] = {'dtype': NAMES[arr.dtype], 'shape': list(arr.shape), 'data_offsets': [offset, offset + len(data)]}
        pad = _align8(len(data)) - len(data)
        blobs.append(data + b'\0' * pad)
        offset += len(data) + pad
    if metadata:
        header['__metadata__'] = {k: str(v) for k, v in metadata.items()}
    hjson = json.dumps(header, separators=(',', ':')).encode('utf-8')
    hjson += b' ' * (_align8(len(hjson)) - len(hjson))
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)
    base = 8 + len(hjson)
    return [{'name': n, 'dtype': h['dtype'], 'shape': h['shape'], 'byteOffset': base + h['data_offsets'][0],
             'byteLength': h['data_offsets'][1] - h['data_offsets'][0]}
            for n, h in header.items() if n != '__metadata__']


def load(path):
    """Returns (dict name -> numpy array, metadata dict)."""
    with open(path, 'rb') as f:
        raw = f.read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n].decode('utf-8'))
    meta = header.pop('__metadata__', {})
    out = {}
    for name, h in header.items():
        b, e = h['data_offsets']
        out[name] = np.frombuffer(raw[8 + n + b:8 + n + e], dtype=np.dtype(DTYPES[h['dtype']]).newbyteorder('<')).reshape(h['shape'])
    return out, meta
