// Forwarding names outside the cluster to the host's resolvers (CoreDNS's
// `forward . /etc/resolv.conf`): the query's bytes go as they are, under an ID of our own
// on a fresh socket (a random source port per query), to each nameserver in turn until one
// answers; the answer goes back under the client's ID. UDP queries go out over UDP (a
// truncated answer is relayed as such, so the client retries over TCP), TCP queries over TCP.

import { createSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { isIPv4, isIPv6, Socket } from 'node:net';

export interface Upstream {
  host: string;
  port: number;
}

/** The nameserver lines of a resolv.conf (resolv.conf has no port: 53). */
export function parseResolvConf(text: string): Upstream[] {
  const out: Upstream[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (!m) continue;
    const host = m[1]!.replace(/%.*$/, '');
    if (isIPv4(host) || isIPv6(host)) out.push({ host, port: 53 });
  }
  return out;
}

export interface ForwarderOptions {
  /** The resolv.conf to read nameservers from (re-read when it changes, as a resolver would). */
  resolvConf: string;
  /** Addresses that are this server's own: never forwarded to (a node whose resolv.conf names the cluster DNS would loop). */
  ownAddresses: string[];
  /** Per nameserver. */
  timeoutMs?: number;
}

export class Forwarder {
  private cached: { mtimeMs: number; upstreams: Upstream[] } | undefined;

  constructor(private readonly o: ForwarderOptions) {}

  async upstreams(): Promise<Upstream[]> {
    const st = await stat(this.o.resolvConf).catch(() => undefined);
    if (!st) return [];
    if (this.cached?.mtimeMs !== st.mtimeMs) {
      const text = await readFile(this.o.resolvConf, 'utf8').catch(() => '');
      const upstreams = parseResolvConf(text).filter((u) => !this.o.ownAddresses.includes(u.host));
      this.cached = { mtimeMs: st.mtimeMs, upstreams };
    }
    return this.cached.upstreams;
  }

  /** The upstream's answer to the query (client's ID restored), or undefined when none answered. */
  async forward(query: Buffer, tcp: boolean): Promise<Buffer | undefined> {
    const clientId = query.readUInt16BE(0);
    for (const u of await this.upstreams()) {
      const id = randomInt(0, 0x10000);
      const q = Buffer.from(query);
      q.writeUInt16BE(id, 0);
      const answer = await (tcp ? queryTcp(u, q, this.o.timeoutMs ?? 2_000) : queryUdp(u, q, this.o.timeoutMs ?? 2_000)).catch(() => undefined);
      if (!answer || answer.length < 12 || answer.readUInt16BE(0) !== id) continue;
      const out = Buffer.from(answer);
      out.writeUInt16BE(clientId, 0);
      return out;
    }
    return undefined;
  }
}

function queryUdp(u: Upstream, q: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = createSocket(isIPv6(u.host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => finish(new Error('timeout')), timeoutMs);
    const finish = (err: Error | undefined, msg?: Buffer) => {
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(msg!);
    };
    sock.on('error', (err) => finish(err));
    sock.on('message', (msg, rinfo) => {
      // Only the upstream we asked, with our ID: anything else is ignored.
      if (rinfo.address === u.host && rinfo.port === u.port && msg.length >= 2 && msg.readUInt16BE(0) === q.readUInt16BE(0)) finish(undefined, msg);
    });
    sock.send(q, u.port, u.host);
  });
}

function queryTcp(u: Upstream, q: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = new Socket();
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error('timeout')), timeoutMs);
    const finish = (err: Error | undefined, msg?: Buffer) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(msg!);
    };
    sock.on('error', (err) => finish(err));
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) finish(undefined, buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
    sock.on('close', () => finish(new Error('connection closed')));
    sock.connect(u.port, u.host, () => sock.write(Buffer.concat([lengthPrefix(q.length), q])));
  });
}

export function lengthPrefix(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
