// The DNS server over real UDP and TCP sockets on loopback: cluster names answered from the
// records, other names relayed to a fake upstream (also on loopback, on an unprivileged
// port) under the client's ID, SERVFAIL before the caches are synced or when no upstream
// answers, truncation over UDP and the full answer over TCP.

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import type { Service } from '../../api/service-types.js';
import { ClusterRecords } from './cluster-records.js';
import { DnsServer } from './dns-server.js';
import { Forwarder, lengthPrefix, parseResolvConf, type Upstream } from './upstream.js';
import { CLASS_IN, decode, encode, RCODE, TYPE, type Message } from './wire.js';

const query = (name: string, type: number, id = 4242): Buffer => encode({ id, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 0, questions: [{ name, type, class: CLASS_IN }], answers: [], authorities: [], additionals: [] });

function udpAsk(port: number, q: Buffer): Promise<Message> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const t = setTimeout(() => (s.close(), reject(new Error('no UDP answer'))), 3000);
    s.on('message', (m) => (clearTimeout(t), s.close(), resolve(decode(m))));
    s.send(q, port, '127.0.0.1');
  });
}

function tcpAsk(port: number, q: Buffer): Promise<Message> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(Buffer.concat([lengthPrefix(q.length), q])));
    let buf = Buffer.alloc(0);
    s.on('data', (c) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        s.destroy();
        resolve(decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
      }
    });
    s.on('error', reject);
  });
}

/** A Forwarder whose upstream is a fake server on loopback (resolv.conf has no port, so the test sets it). */
class TestForwarder extends Forwarder {
  constructor(private readonly list: Upstream[]) {
    super({ resolvConf: '/nonexistent', ownAddresses: [] });
  }
  override async upstreams(): Promise<Upstream[]> {
    return this.list;
  }
}

describe('DNS server on loopback', () => {
  const records = new ClusterRecords('cluster.local', '127.0.0.1');
  let synced = false;
  let server: DnsServer;
  let port = 0;
  let tcpPort = 0;
  const upstream = createSocket('udp4');
  let upstreamPort = 0;
  const seenIds: number[] = [];

  before(async () => {
    // The fake upstream answers every A question with 192.0.2.1.
    upstream.on('message', (m, r) => {
      const q = decode(m);
      seenIds.push(q.id);
      upstream.send(encode({ ...q, qr: true, ra: true, answers: [{ name: q.questions[0]!.name, type: TYPE.A, class: CLASS_IN, ttl: 60, data: '192.0.2.1' }] }), r.port, r.address);
    });
    await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));
    upstreamPort = upstream.address().port;
    server = new DnsServer({ address: '127.0.0.1', port: 0, records, synced: () => synced, forwarder: new TestForwarder([{ host: '127.0.0.1', port: upstreamPort }]), logger: pino({ level: 'silent' }) });
    // Port 0 gives UDP and TCP ports of their own.
    ({ udpPort: port, tcpPort } = await server.listen());
  });
  after(async () => {
    await server.close();
    upstream.close();
  });

  test('cluster names: SERVFAIL until synced, then answers; forwarded names relayed with the client ID', async () => {
    const before = await udpAsk(port, query('web.default.svc.cluster.local', TYPE.A));
    assert.equal(before.rcode, RCODE.SERVFAIL);
    synced = true;
    records.setService({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.43.0.20', ports: [{ port: 80 }] } } as Service);
    const a = await udpAsk(port, query('web.default.svc.cluster.local', TYPE.A));
    assert.deepEqual([a.id, a.qr, a.aa, a.ra, a.rcode, a.answers[0]?.data], [4242, true, true, true, RCODE.NOERROR, '10.43.0.20']);
    const nx = await udpAsk(port, query('nope.default.svc.cluster.local', TYPE.A));
    assert.equal(nx.rcode, RCODE.NXDOMAIN);
    const ext = await udpAsk(port, query('example.org', TYPE.A, 777));
    assert.deepEqual([ext.id, ext.aa, ext.answers[0]?.data], [777, false, '192.0.2.1']);
    // The upstream saw an ID of the server's own, not the client's.
    assert.equal(seenIds.length, 1);
  });

  test('a big answer is truncated over UDP and whole over TCP', async () => {
    records.setService({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'big', namespace: 'default' }, spec: { clusterIP: 'None', ports: [{ name: 'p', port: 1 }] } } as Service);
    records.setSlice({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'big-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'big' } },
      addressType: 'IPv4',
      endpoints: Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.42.1.${i + 1}`], conditions: { ready: true } })),
      ports: [{ name: 'p', port: 1, protocol: 'TCP' }],
    });
    const udp = await udpAsk(port, query('big.default.svc.cluster.local', TYPE.A));
    assert.deepEqual([udp.tc, udp.answers.length], [true, 0]);
    const tcp = await tcpAsk(tcpPort, query('big.default.svc.cluster.local', TYPE.A));
    assert.deepEqual([tcp.tc, tcp.answers.length], [false, 60]);
  });

  test('no upstream answering: SERVFAIL; garbage: FORMERR or nothing', async () => {
    const dead = new DnsServer({ address: '127.0.0.1', port: 0, records, synced: () => true, forwarder: new TestForwarder([]), logger: pino({ level: 'silent' }) });
    assert.equal(decode((await dead.handle(query('example.org', TYPE.A), false))!).rcode, RCODE.SERVFAIL);
    const q = query('example.org', TYPE.A);
    assert.equal(decode((await dead.handle(q.subarray(0, q.length - 2), false))!).rcode, RCODE.FORMERR);
    assert.equal(await dead.handle(Buffer.alloc(3), false), undefined);
  });

  test('resolv.conf: nameservers only, no port, scope IDs dropped', () => {
    assert.deepEqual(parseResolvConf('# c\nsearch lan\nnameserver 10.0.0.1\nnameserver fe80::1%eth0\nnameserver bogus\noptions ndots:2\n'), [
      { host: '10.0.0.1', port: 53 },
      { host: 'fe80::1', port: 53 },
    ]);
  });
});

test('a port already taken fails listen(), and the server can close and listen again', async () => {
  const taken = createSocket('udp4');
  await new Promise<void>((r) => taken.bind(0, '127.0.0.1', () => r()));
  const port = taken.address().port;
  const s = new DnsServer({ address: '127.0.0.1', port, records: new ClusterRecords('cluster.local', '127.0.0.1'), synced: () => true, forwarder: new TestForwarder([]), logger: pino({ level: 'silent' }) });
  await assert.rejects(s.listen(), /EADDRINUSE/);
  await s.close();
  taken.close();
  await s.listen();
  await s.close();
});
