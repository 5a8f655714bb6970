// The part of SPDY/3.1 framing that kubectl's exec client (before websockets, kubectl ≤ 1.29)
// needs from a server: it opens streams (SYN_STREAM), we answer each (SYN_REPLY), then DATA
// frames flow both ways and FIN half-closes a stream. PINGs are echoed.
//
// We never need to read the client's header blocks: the stream roles follow from the order
// client-go creates them in. Frames and header blocks: api/spdy/frames.ts.

import type { Duplex } from 'node:stream';
import {
  FLAG_FIN,
  FrameReader,
  HeaderBlockEncoder,
  TYPE_GOAWAY,
  TYPE_PING,
  TYPE_RST_STREAM,
  TYPE_SYN_REPLY,
  TYPE_SYN_STREAM,
  controlFrame,
  dataFrames,
} from '../../../api/spdy/frames.js';

export interface SpdyHandlers {
  synStream(streamId: number): void;
  data(streamId: number, payload: Buffer, fin: boolean): void;
  rst(streamId: number): void;
  closed(): void;
}

export class SpdyConnection {
  private readonly reader = new FrameReader();
  private readonly headers = new HeaderBlockEncoder();
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
    for (const frame of this.reader.feed(chunk)) {
      if (this.ended) return;
      this.frame(frame);
    }
  }

  synReply(streamId: number): void {
    const block = this.headers.encode(Buffer.alloc(4)); // zero name/value pairs
    const body = Buffer.alloc(4 + block.length);
    body.writeUInt32BE(streamId & 0x7fffffff, 0);
    block.copy(body, 4);
    this.control(TYPE_SYN_REPLY, 0, body);
  }

  /** Sends payload (split into frames); done runs once the socket has taken the bytes. */
  data(streamId: number, payload: Buffer, fin: boolean, done?: () => void): void {
    if (this.ended) return done?.();
    const frames = dataFrames(streamId, payload, fin);
    frames.forEach((f, i) => this.socket.write(f, i === frames.length - 1 ? () => done?.() : undefined));
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
    this.socket.write(controlFrame(type, flags, body));
  }
}
