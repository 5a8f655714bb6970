import assert from 'node:assert/strict';
import { test } from 'node:test';
import { constants, inflateSync } from 'node:zlib';
import { FLAG_FIN, FrameReader, HeaderBlockEncoder, MAX_DATA, TYPE_PING, controlFrame, dataFrames, rawHeaderBlock } from './frames.js';

test('control frame header: control bit, version 3, type, flags, 24-bit length', () => {
  const f = controlFrame(TYPE_PING, 0, Buffer.from([0, 0, 0, 7]));
  assert.deepEqual([...f.subarray(0, 8)], [0x80, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04]);
});

test('data frames split at MAX_DATA with FIN only on the last; an empty payload is one FIN frame', () => {
  const frames = dataFrames(5, Buffer.alloc(MAX_DATA + 10, 1), true);
  assert.deepEqual(frames.map((f) => [f.readUInt32BE(0), f.readUInt8(4), f.readUIntBE(5, 3)]), [
    [5, 0, MAX_DATA],
    [5, FLAG_FIN, 10],
  ]);
  const empty = dataFrames(3, Buffer.alloc(0), true);
  assert.deepEqual(empty.map((f) => [f.readUInt8(4), f.length]), [[FLAG_FIN, 8]]);
});

test('the reader returns whole frames however the bytes arrive', () => {
  const bytes = Buffer.concat([controlFrame(TYPE_PING, 0, Buffer.alloc(4)), ...dataFrames(1, Buffer.from('hello'), false)]);
  const r = new FrameReader();
  const got: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 3) got.push(...r.feed(bytes.subarray(i, i + 3)));
  assert.deepEqual(got.map((f) => f.length), [12, 13]);
  assert.equal(got[1]!.subarray(8).toString(), 'hello');
});

test('header blocks are one zlib stream a reader can inflate block by block', () => {
  const enc = new HeaderBlockEncoder();
  const a = rawHeaderBlock({ StreamType: 'stdout' });
  const b = rawHeaderBlock({ streamtype: 'error', port: '1' });
  const first = enc.encode(a);
  const second = enc.encode(b);
  assert.deepEqual([first[0], first[1]], [0x78, 0x01], 'the zlib header comes once, first');
  const inflated = inflateSync(Buffer.concat([first, second]), { finishFlush: constants.Z_SYNC_FLUSH });
  assert.deepEqual(inflated, Buffer.concat([a, b]));
  assert.equal(a.subarray(8, 18).toString(), 'streamtype', 'names are lower-cased');
});
