// The client half of SPDY/3.1 that Kubernetes' remotecommand protocol runs on (what
// client-go uses against a kubelet or containerd's streaming server): an HTTP upgrade,
// then streams we open with SYN_STREAM and a "streamtype" header, DATA frames both ways,
// and FIN to half-close a stream — which is how the end of stdin reaches the process.
//
// We never need to read the server's header blocks. Frames and header blocks (Go's zlib
// reader accepts our stored blocks): api/spdy/frames.ts.

import { request } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  FLAG_FIN,
  FrameReader,
  HeaderBlockEncoder,
  TYPE_GOAWAY,
  TYPE_PING,
  TYPE_RST_STREAM,
  TYPE_SYN_STREAM,
  controlFrame,
  dataFrames,
  rawHeaderBlock,
} from '../../../api/spdy/frames.js';

export { rawHeaderBlock };

export interface SpdyStreamHandlers {
  data(payload: Buffer): void;
  /** The server half-closed the stream, reset it, or the connection ended. */
  end(): void;
}

export class SpdyClientConnection {
  private nextStreamId = 1;
  private readonly reader = new FrameReader();
  private readonly headers = new HeaderBlockEncoder();
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
    const block = this.headers.encode(rawHeaderBlock(headers));
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
    const frames = dataFrames(streamId, payload, fin);
    frames.forEach((f, i) => this.socket.write(f, i === frames.length - 1 ? (err) => done?.(err ?? undefined) : undefined));
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
    for (const frame of this.reader.feed(chunk)) {
      if (this.ended) return;
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
    this.socket.write(controlFrame(type, flags, body));
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
