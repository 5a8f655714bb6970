// The node's DNS server, on UDP and TCP port 53 of the cluster DNS address: names in the
// cluster domain (and reverse names of cluster addresses) are answered from the agent's
// caches, authoritatively; everything else is forwarded to the host's resolvers. Before the
// caches have been filled once (an agent started while the control server is down), cluster
// names get SERVFAIL, so clients retry rather than cache a wrong NXDOMAIN.

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ClusterRecords } from './cluster-records.js';
import type { Forwarder } from './upstream.js';
import { lengthPrefix } from './upstream.js';
import { decode, decodeHeaderOnly, encode, optRecord, RCODE, TYPE, type Message } from './wire.js';

/** What a classic DNS client takes over UDP without EDNS. */
const UDP_MIN = 512;
/** The largest UDP answer sent (the DNS flag day 2020 size: no IP fragmentation). */
const UDP_MAX = 1232;
/** A TCP client idle this long is disconnected. */
const TCP_IDLE_MS = 10_000;

export interface DnsServerOptions {
  address: string;
  port?: number;
  records: ClusterRecords;
  /** True once the Service and EndpointSlice caches have been listed. */
  synced: () => boolean;
  forwarder: Forwarder;
  logger: Logger;
}

export class DnsServer {
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private readonly conns = new Set<Socket>();

  constructor(private readonly o: DnsServerOptions) {}

  /** The answer to one message, or undefined when it deserves none (not a query, no header). */
  async handle(query: Buffer, tcp: boolean): Promise<Buffer | undefined> {
    const header = decodeHeaderOnly(query);
    if (!header || header.qr) return undefined;
    let msg: Message;
    try {
      msg = decode(query);
    } catch {
      return encode({ ...header, qr: true, aa: false, tc: false, ra: true, rcode: RCODE.FORMERR, questions: [], answers: [], authorities: [], additionals: [] });
    }
    const opt = msg.additionals.find((r) => r.type === TYPE.OPT);
    const reply = (m: Pick<Message, 'rcode' | 'aa' | 'answers' | 'authorities' | 'additionals'>): Buffer => {
      const base = { id: msg.id, qr: true, opcode: msg.opcode, rd: msg.rd, ra: true, tc: false, questions: msg.questions.slice(0, 1) };
      const full: Message = { ...base, ...m, additionals: opt ? [...m.additionals, optRecord(UDP_MAX)] : m.additionals };
      const out = encode(full);
      const limit = opt ? Math.min(Math.max(opt.class, UDP_MIN), UDP_MAX) : UDP_MIN;
      if (tcp || out.length <= limit) return out;
      // Too big for this client over UDP: truncated, and it asks again over TCP.
      return encode({ ...full, tc: true, answers: [], authorities: [], additionals: opt ? [optRecord(UDP_MAX)] : [] });
    };
    const empty = { aa: false, answers: [], authorities: [], additionals: [] };
    if (msg.opcode !== 0) return reply({ ...empty, rcode: RCODE.NOTIMP });
    if (msg.questions.length !== 1) return reply({ ...empty, rcode: RCODE.FORMERR });
    const q = msg.questions[0]!;
    if (this.o.records.isLocal(q.name) && !this.o.synced()) return reply({ ...empty, rcode: RCODE.SERVFAIL });
    const local = this.o.synced() ? this.o.records.answer(q) : undefined;
    if (local) return reply({ ...local, aa: true });
    const forwarded = await this.o.forwarder.forward(query, tcp);
    return forwarded ?? reply({ ...empty, rcode: RCODE.SERVFAIL });
  }

  async listen(): Promise<{ udpPort: number; tcpPort: number }> {
    const port = this.o.port ?? 53;
    const udp = createSocket({ type: 'udp4' });
    this.udp = udp;
    udp.on('message', (msg, rinfo) => {
      this.handle(msg, false).then(
        (out) => out && udp.send(out, rinfo.port, rinfo.address),
        (err: Error) => this.o.logger.warn({ err: err.message }, 'answering a DNS query failed'),
      );
    });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address: this.o.address, port }, () => {
        udp.off('error', reject);
        udp.on('error', (err) => this.o.logger.warn({ err: err.message }, 'DNS UDP socket error'));
        resolve();
      });
    });
    const tcp = createServer((sock) => this.serveTcp(sock));
    this.tcp = tcp;
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ host: this.o.address, port }, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    return { udpPort: udp.address().port, tcpPort: (tcp.address() as { port: number }).port };
  }

  /** Length-prefixed messages (RFC 1035 4.2.2), several per connection, answered in order. */
  private serveTcp(sock: Socket): void {
    this.conns.add(sock);
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    sock.on('close', () => this.conns.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf = Buffer.alloc(0);
    let chain = Promise.resolve();
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        chain = chain.then(async () => {
          const out = await this.handle(Buffer.from(msg), true).catch(() => undefined);
          if (out && !sock.destroyed) sock.write(Buffer.concat([lengthPrefix(out.length), out]));
        });
      }
    });
  }

  /** Stops both listeners; safe after a failed listen() (which may be tried again). */
  async close(): Promise<void> {
    const { udp, tcp } = this;
    this.udp = undefined;
    this.tcp = undefined;
    try {
      udp?.close();
    } catch {
      // never bound
    }
    for (const c of this.conns) c.destroy();
    await new Promise<void>((r) => (tcp ? tcp.close(() => r()) : r()));
  }
}
