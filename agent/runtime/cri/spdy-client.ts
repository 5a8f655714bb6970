// The client half of SPDY/3.1 that Kubernetes' remotecommand protocol runs on (what
// client-go uses against a kubelet or containerd's streaming server): an HTTP upgrade,
// then streams we open with SYN_STREAM and a "streamtype" header, DATA frames both ways,
// and FIN to half-close a stream — which is how the end of stdin reaches the process.
//
// Header blocks are zlib streams with a preset dictionary in SPDY; ours are written as
// "stored" (uncompressed) deflate blocks without the dictionary flag, which zlib readers
// (Go's included) accept as they are. We never need to read the server's header blocks.

import { request } from 'node:http';
import type { Duplex } from 'node:stream';

const VERSION = 3;
const TYPE_SYN_STREAM = 1;
const TYPE_RST_STREAM = 3;
const TYPE_PING = 6;
const TYPE_GOAWAY = 7;
const FLAG_FIN = 0x01;
const MAX_DATA = 32 * 1024;

export interface SpdyStreamHandlers {
  data(payload: Buffer): void;
  /** The server half-closed the stream, reset it, or the connection ended. */
  end(): void;
}

/** A SPDY header block before compression: count, then length-prefixed names and values. */
export function rawHeaderBlock(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n, 0);
    return b;
  };
  const entries = Object.entries(headers);
  parts.push(u32(entries.length));
  for (const [k, v] of entries) {
    const name = Buffer.from(k.toLowerCase());
    const value = Buffer.from(v);
    parts.push(u32(name.length), name, u32(value.length), value);
  }
  return Buffer.concat(parts);
}

export class SpdyClientConnection {
  private nextStreamId = 1;
  private zlibStarted = false;
  private buffered: Buffer = Buffer.alloc(0);
  private readonly streams = new Map<number, SpdyStreamHandlers>();
  private ended = false;
  private readonly closedCallbacks: Array<() => void> = [];

  constructor(
    private readonly socket: Duplex,
    head: Buffer,
  ) {
    socket.on('data', (chunk: Buffer) => this.feed(chunk));
    const close = () => this.finish();
    socket.on('close', close);
    socket.on('end', close);
    socket.on('error', close);
    if (head.length) this.feed(head);
  }

  get closed(): boolean {
    return this.ended;
  }

  onClosed(cb: () => void): void {
    if (this.ended) cb();
    else this.closedCallbacks.push(cb);
  }

  /** Pauses reading from the server (a reader of ours is behind). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  openStream(headers: Record<string, string>, handlers: SpdyStreamHandlers): number {
    const id = this.nextStreamId;
    this.nextStreamId += 2; // client streams are odd
    this.streams.set(id, handlers);
    const block = this.headerBlock(rawHeaderBlock(headers));
    const body = Buffer.alloc(10 + block.length);
    body.writeUInt32BE(id & 0x7fffffff, 0);
    body.writeUInt32BE(0, 4); // associated-to stream
    body.writeUInt8(0, 8); // priority
    body.writeUInt8(0, 9); // slot
    block.copy(body, 10);
    this.control(TYPE_SYN_STREAM, 0, body);
    return id;
  }

  /** Sends payload (split into frames); done runs once the socket has taken the bytes. */
  data(streamId: number, payload: Buffer, fin: boolean, done?: (err?: Error) => void): void {
    if (this.ended) return done?.();
    let off = 0;
    do {
      const part = payload.subarray(off, off + MAX_DATA);
      off += part.length;
      const last = off >= payload.length;
      const header = Buffer.alloc(8);
      header.writeUInt32BE(streamId & 0x7fffffff, 0);
      header.writeUInt8(last && fin ? FLAG_FIN : 0, 4);
      header.writeUIntBE(part.length, 5, 3);
      this.socket.write(Buffer.concat([header, part]), last ? (err) => done?.(err ?? undefined) : undefined);
    } while (off < payload.length);
  }

  close(): void {
    if (this.ended) return;
    this.control(TYPE_GOAWAY, 0, Buffer.alloc(8));
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 5_000).unref();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    for (const s of this.streams.values()) s.end();
    this.streams.clear();
    for (const cb of this.closedCallbacks.splice(0)) cb();
  }

  private feed(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    while (this.buffered.length >= 8 && !this.ended) {
      const length = this.buffered.readUIntBE(5, 3);
      if (this.buffered.length < 8 + length) return;
      const frame = this.buffered.subarray(0, 8 + length);
      this.buffered = this.buffered.subarray(8 + length);
      this.frame(frame);
    }
  }

  private endStream(id: number): void {
    const s = this.streams.get(id);
    if (!s) return;
    this.streams.delete(id);
    s.end();
  }

  private frame(f: Buffer): void {
    const flags = f.readUInt8(4);
    const body = f.subarray(8);
    if ((f[0]! & 0x80) === 0) {
      const id = f.readUInt32BE(0) & 0x7fffffff;
      if (body.length) this.streams.get(id)?.data(body);
      if (flags & FLAG_FIN) this.endStream(id);
      return;
    }
    switch (f.readUInt16BE(2)) {
      case TYPE_RST_STREAM:
        if (body.length >= 4) this.endStream(body.readUInt32BE(0) & 0x7fffffff);
        return;
      case TYPE_PING:
        this.control(TYPE_PING, 0, body);
        return;
      case TYPE_GOAWAY:
        this.socket.end();
        return;
      default:
        // SYN_REPLY (the stream is accepted), SETTINGS, WINDOW_UPDATE, HEADERS: nothing to do.
        if (flags & FLAG_FIN && body.length >= 4) this.endStream(body.readUInt32BE(0) & 0x7fffffff);
        return;
    }
  }

  private control(type: number, flags: number, body: Buffer): void {
    if (this.ended) return;
    const header = Buffer.alloc(8);
    header.writeUInt16BE(0x8000 | VERSION, 0);
    header.writeUInt16BE(type, 2);
    header.writeUInt8(flags, 4);
    header.writeUIntBE(body.length, 5, 3);
    this.socket.write(Buffer.concat([header, body]));
  }

  /**
   * One header block as the continuation of our single zlib stream: a non-final stored
   * block with the bytes, then an empty one (a sync flush's marker), so a streaming reader
   * hands the block out without waiting for more input.
   */
  private headerBlock(raw: Buffer): Buffer {
    const stored = Buffer.alloc(5 + raw.length + 5);
    stored.writeUInt8(0, 0); // BFINAL=0, BTYPE=00 (stored)
    stored.writeUInt16LE(raw.length, 1);
    stored.writeUInt16LE(~raw.length & 0xffff, 3);
    raw.copy(stored, 5);
    Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]).copy(stored, 5 + raw.length);
    if (this.zlibStarted) return stored;
    this.zlibStarted = true;
    // zlib header: deflate, 32 KiB window, no preset dictionary (0x7801 % 31 === 0).
    return Buffer.concat([Buffer.from([0x78, 0x01]), stored]);
  }
}

/** POSTs the upgrade to url and resolves with the SPDY connection once it is switched. */
export function spdyUpgrade(url: string, protocol: string, timeoutMs = 10_000): Promise<SpdyClientConnection> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': protocol, 'Content-Length': '0' },
      timeout: timeoutMs,
    });
    req.on('upgrade', (res, socket, head) => {
      const agreed = res.headers['x-stream-protocol-version'];
      if (agreed !== protocol) {
        socket.destroy();
        reject(new Error(`exec stream: the server agreed to "${String(agreed)}", not ${protocol}`));
        return;
      }
      resolve(new SpdyClientConnection(socket, head));
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => reject(new Error(`exec stream answered HTTP ${res.statusCode}: ${body.trim()}`)));
    });
    req.on('timeout', () => req.destroy(new Error(`exec stream upgrade timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
