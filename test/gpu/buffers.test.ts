import { describe, expect, it } from 'vitest';
import { testDevice } from './device';
import {
  OwnedBuffers,
  STORAGE_USAGE,
  alignElements,
  createStorage,
  readBytesChecked,
  readF32,
  readU32,
  uploadUniform,
  uploadWords,
  writeWords,
} from '../../src/gpu/buffers';

describe('src/gpu/buffers', () => {
  it('uploads, writes and reads back words, at offsets too', async () => {
    const device = await testDevice();
    const data = Float32Array.from([1.5, -2, 3.25, 4, 5, 6]);
    const buffer = uploadWords(device, 'buffersTest.data', data);
    expect(buffer.label).toBe('buffersTest.data');
    expect(buffer.usage).toBe(STORAGE_USAGE);
    expect(STORAGE_USAGE).toBe(GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST);
    expect(buffer.size).toBe(24);
    expect([...(await readF32(device, buffer))]).toEqual([...data]);
    writeWords(device, buffer, 8, Float32Array.from([9, 8, 7, 6]), 1, 2); // elements 1..2 to element 2
    expect([...(await readF32(device, buffer, 1, 4))]).toEqual([-2, 8, 7, 5]);
    const words = uploadWords(device, 'buffersTest.words', Uint32Array.from([7, 0xffffffff]));
    expect(words.size).toBe(16); // small buffers are at least 16 bytes
    expect([...(await readU32(device, words, 0, 2))]).toEqual([7, 0xffffffff]);
    buffer.destroy();
    words.destroy();
  });

  it('rounds storage to 16 bytes and uniforms to whole 16-byte rows', async () => {
    const device = await testDevice();
    const storage = createStorage(device, 'buffersTest.storage', 20);
    expect(storage.size).toBe(32);
    expect([...(await readF32(device, storage, 0, 5))]).toEqual([0, 0, 0, 0, 0]);
    const uniform = uploadUniform(device, 'buffersTest.uniform', [1, 2, 3, 4, 5]);
    expect(uniform.size).toBe(32);
    expect(uniform.usage).toBe(GPUBufferUsage.UNIFORM);
    expect(alignElements(5, 256)).toBe(64);
    storage.destroy();
    uniform.destroy();
  });

  it('OwnedBuffers labels Owner.field and frees everything once, idempotently', async () => {
    const device = await testDevice();
    const owned = new OwnedBuffers(device, 'BuffersTest');
    const x = owned.upload('x', Float32Array.from([1, 2, 3]));
    const y = owned.storage('y', 12);
    let freed = 0;
    owned.keep({ destroy: () => freed++ });
    expect([x.label, y.label]).toEqual(['BuffersTest.x', 'BuffersTest.y']);
    expect(owned.count).toBe(3);
    owned.destroy();
    owned.destroy();
    expect(freed).toBe(1);
    expect(owned.count).toBe(0);
    // A destroyed buffer cannot be copied from: reading it back is a validation error, reported as such.
    const read = await readBytesChecked(device, x, 0, 12);
    expect('error' in read).toBe(true);
  });

  it('readBytesChecked returns the data of a valid copy', async () => {
    const device = await testDevice();
    const buffer = uploadWords(device, 'buffersTest.checked', Float32Array.from([3, 4]));
    const read = await readBytesChecked(device, buffer, 0, 8);
    expect('data' in read && [...new Float32Array(read.data)]).toEqual([3, 4]);
    buffer.destroy();
  });
});
