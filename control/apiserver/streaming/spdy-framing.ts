// The part of SPDY/3.1 framing that kubectl's exec client (before websockets, kubectl ≤ 1.29)
// needs from a server: it opens streams (SYN_STREAM), we answer each (SYN_REPLY), then DATA
// frames flow both ways and FIN half-closes a stream. PINGs are echoed.
//
// Header blocks are zlib-compressed with a preset dictionary in SPDY. We never need to read
// the client's (the stream roles follow from the order client-go creates them in), and ours
// are written as uncompressed "stored" deflate blocks, which every zlib reader accepts
// without a dictionary.

import type { Duplex } from 'node:stream';

const VERSION = 3;
const TYPE_SYN_STREAM = 1;
const TYPE_SYN_REPLY = 2;
const TYPE_RST_STREAM = 3;
const TYPE_PING = 6;
const TYPE_GOAWAY = 7;
const FLAG_FIN = 0x01;
const MAX_DATA = 32 * 1024;

export interface SpdyHandlers {
  synStream(streamId: number): void;
  data(streamId: number, payload: Buffer, fin: boolean): void;
  rst(streamId: number): void;
  closed(): void;
}

export class SpdyConnection {
  private buffered: Buffer = Buffer.alloc(0);
  private zlibStarted = false;
  private ended = false;

  constructor(
    private readonly socket: Duplex,
    private readonly handlers: SpdyHandlers,
  ) {
    socket.on('data', (chunk: Buffer) => this.feed(chunk));
    const close = () => {
      if (this.ended) return;
      this.ended = true;
      this.handlers.closed();
    };
    socket.on('close', close);
    socket.on('end', close);
    socket.on('error', close);
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Bytes read past the HTTP headers before the upgrade, or from the socket. */
  feed(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    while (this.buffered.length >= 8 && !this.ended) {
      const length = this.buffered.readUIntBE(5, 3);
      if (this.buffered.length < 8 + length) return;
      const frame = this.buffered.subarray(0, 8 + length);
      this.buffered = this.buffered.subarray(8 + length);
      this.frame(frame);
    }
  }

  synReply(streamId: number): void {
    const block = this.headerBlock(Buffer.alloc(4)); // zero name/value pairs
    const body = Buffer.alloc(4 + block.length);
    body.writeUInt32BE(streamId & 0x7fffffff, 0);
    block.copy(body, 4);
    this.control(TYPE_SYN_REPLY, 0, body);
  }

  /** Sends payload (split into frames); done runs once the socket has taken the bytes. */
  data(streamId: number, payload: Buffer, fin: boolean, done?: () => void): void {
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
      this.socket.write(Buffer.concat([header, part]), last ? () => done?.() : undefined);
    } while (off < payload.length);
  }

  goAway(): void {
    const body = Buffer.alloc(8);
    this.control(TYPE_GOAWAY, 0, body);
  }

  /** Says goodbye, then closes the socket once the peer had a moment to read what we sent. */
  close(): void {
    if (this.ended) return;
    this.goAway();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 5_000).unref();
  }

  private frame(f: Buffer): void {
    const isControl = (f[0]! & 0x80) !== 0;
    const flags = f.readUInt8(4);
    const body = f.subarray(8);
    if (!isControl) {
      this.handlers.data(f.readUInt32BE(0) & 0x7fffffff, body, (flags & FLAG_FIN) !== 0);
      return;
    }
    const type = f.readUInt16BE(2);
    switch (type) {
      case TYPE_SYN_STREAM:
        if (body.length >= 4) this.handlers.synStream(body.readUInt32BE(0) & 0x7fffffff);
        return;
      case TYPE_RST_STREAM:
        if (body.length >= 4) this.handlers.rst(body.readUInt32BE(0) & 0x7fffffff);
        return;
      case TYPE_PING:
        this.control(TYPE_PING, 0, body);
        return;
      case TYPE_GOAWAY:
        this.socket.end();
        return;
      default:
        // SETTINGS, WINDOW_UPDATE, HEADERS: nothing we act on.
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
   * One header block as the continuation of our single zlib stream: a non-final stored block
   * holding the bytes, then an empty one — the marker a zlib sync flush writes, which makes
   * a streaming reader hand out the block without waiting for input that never comes.
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
