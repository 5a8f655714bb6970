import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { PassThrough } from 'node:stream';
import { exitCodeOfStatus } from './cri-exec-spdy.js';
import { rawHeaderBlock, SpdyClientConnection } from './spdy-client.js';

test('exit codes from v4 status messages', () => {
  assert.equal(exitCodeOfStatus(''), 0);
  assert.equal(exitCodeOfStatus('{"metadata":{},"status":"Success"}'), 0);
  const failure = { status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '7' }] } };
  assert.equal(exitCodeOfStatus(JSON.stringify(failure)), 7);
  assert.equal(exitCodeOfStatus('{"status":"Failure","message":"container not running"}'), -1);
  assert.equal(exitCodeOfStatus('not json'), -1);
});

test('SYN_STREAM frames carry the streamtype header in a zlib stream any reader inflates', () => {
  const socket = new PassThrough();
  const written: Buffer[] = [];
  socket.on('data', (c: Buffer) => written.push(c));
  const conn = new SpdyClientConnection(socket, Buffer.alloc(0));
  const ids = [conn.openStream({ streamtype: 'error' }, { data: () => undefined, end: () => undefined }), conn.openStream({ StreamType: 'stdin' }, { data: () => undefined, end: () => undefined })];
  assert.deepEqual(ids, [1, 3]);
  conn.data(3, Buffer.from('abc'), true);
  const frames = Buffer.concat(written);
  // Two control frames (version 3, type 1 SYN_STREAM), then one DATA frame with FIN.
  let off = 0;
  const blocks: Buffer[] = [];
  for (const id of ids) {
    assert.equal(frames.readUInt16BE(off), 0x8003);
    assert.equal(frames.readUInt16BE(off + 2), 1);
    const len = frames.readUIntBE(off + 5, 3);
    assert.equal(frames.readUInt32BE(off + 8), id);
    blocks.push(frames.subarray(off + 18, off + 8 + len));
    off += 8 + len;
  }
  assert.equal(frames.readUInt32BE(off), 3);
  assert.equal(frames.readUInt8(off + 4), 1);
  assert.equal(frames.subarray(off + 8).toString(), 'abc');
  // The header blocks are one zlib stream across frames (no dictionary needed to read ours).
  const inflated = inflateSync(Buffer.concat(blocks), { finishFlush: 2 /* Z_SYNC_FLUSH */ });
  assert.deepEqual(inflated, Buffer.concat([rawHeaderBlock({ streamtype: 'error' }), rawHeaderBlock({ streamtype: 'stdin' })]));
});
