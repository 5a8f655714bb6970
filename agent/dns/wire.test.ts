// The DNS codec: round trips, compression, and malformed input refused without hanging.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLASS_IN, decode, encode, RCODE, TYPE, WireError, type Message } from './wire.js';

const base: Message = { id: 0xbeef, qr: true, opcode: 0, aa: true, tc: false, rd: true, ra: true, rcode: RCODE.NOERROR, questions: [], answers: [], authorities: [], additionals: [] };

test('a response with A, SRV, SOA, CNAME round-trips, names compressed', () => {
  const name = 'web.default.svc.cluster.local';
  const m: Message = {
    ...base,
    questions: [{ name, type: TYPE.SRV, class: CLASS_IN }],
    answers: [
      { name, type: TYPE.SRV, class: CLASS_IN, ttl: 5, data: { priority: 0, weight: 100, port: 80, target: name } },
      { name: 'x.example', type: TYPE.CNAME, class: CLASS_IN, ttl: 5, data: 'example.org' },
    ],
    authorities: [{ name: 'cluster.local', type: TYPE.SOA, class: CLASS_IN, ttl: 5, data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 4000000000, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 } }],
    additionals: [{ name, type: TYPE.A, class: CLASS_IN, ttl: 5, data: '10.43.0.20' }],
  };
  const buf = encode(m);
  assert.deepEqual(decode(buf), m);
  // The name appears once in full; every later use is a 2-octet pointer.
  assert.equal(buf.toString('latin1').split('cluster').length - 1, 1);
});

test('header flags and rcode survive; unknown record types pass as bytes', () => {
  const m: Message = { ...base, qr: false, aa: false, tc: true, rd: false, ra: false, rcode: RCODE.NXDOMAIN, opcode: 2, additionals: [{ name: '', type: TYPE.OPT, class: 1232, ttl: 0, data: Buffer.from([1, 2, 3]) }] };
  assert.deepEqual(decode(encode(m)), m);
});

test('malformed messages are refused with a WireError', () => {
  const q = encode({ ...base, qr: false, questions: [{ name: 'a.b', type: TYPE.A, class: CLASS_IN }] });
  assert.throws(() => decode(q.subarray(0, q.length - 1)), WireError);
  assert.throws(() => decode(Buffer.alloc(5)), WireError);
  // A compression pointer to itself (a loop) is refused, not followed forever.
  const loop = Buffer.concat([q.subarray(0, 12), Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
  assert.throws(() => decode(loop), /backwards/);
  // A question count larger than what follows.
  const more = Buffer.from(q);
  more.writeUInt16BE(2, 4);
  assert.throws(() => decode(more), WireError);
  assert.throws(() => encode({ ...base, questions: [{ name: `${'a'.repeat(64)}.b`, type: 1, class: 1 }] }), /longer than 63/);
});
