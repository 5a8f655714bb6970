// Many streams over one websocket (the agent's tunnel), with per-stream credit-based flow
// control. Both ends run a TunnelMux; only the control server opens streams.

import type { WebSocket } from 'ws';
import { ApiError } from '../errors.js';
import {
  decodeFrame,
  encodeFrame,
  MAX_FRAME_PAYLOAD,
  STREAM_WINDOW,
  type Frame,
  type FrameType,
  STREAM_KINDS,
  type StreamRequest,
  type StreamResult,
  type TerminalSize,
} from './tunnel-protocol.js';

export type StreamEndReason = 'end' | 'reset' | 'tunnel-closed';

export interface StreamHandlers {
  /** Bytes on a channel; call done() once they have been handed on, to return their credit. */
  data?: (channel: number, payload: Buffer, done: () => void) => void;
  eof?: (channel: number) => void;
  accept?: () => void;
  resize?: (size: TerminalSize) => void;
  /** The stream is over; no handler runs after this. result is set when the peer sent 'end'. */
  closed?: (reason: StreamEndReason, result?: StreamResult) => void;
}

export class TunnelStream {
  private sendWindow = STREAM_WINDOW;
  private waiters: (() => void)[] = [];
  private unacked = 0;
  private finished = false;
  handlers: StreamHandlers = {};

  constructor(
    private readonly mux: TunnelMux,
    readonly id: number,
  ) {}

  get closed(): boolean {
    return this.finished;
  }

  /** Sends bytes, waiting for credit as needed. Rejects once the stream is closed. */
  async write(channel: number, data: Buffer): Promise<void> {
    for (let off = 0; off < data.length; off += MAX_FRAME_PAYLOAD) {
      const chunk = data.subarray(off, off + MAX_FRAME_PAYLOAD);
      while (!this.finished && this.sendWindow < chunk.length) await new Promise<void>((r) => this.waiters.push(r));
      if (this.finished) throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 500, reason: 'InternalError', message: 'stream closed' });
      this.sendWindow -= chunk.length;
      this.mux.send('data', this.id, channel, chunk);
    }
  }

  eof(channel: number): void {
    if (!this.finished) this.mux.send('eof', this.id, channel);
  }

  accept(): void {
    if (!this.finished) this.mux.send('accept', this.id, 0);
  }

  resize(size: TerminalSize): void {
    if (!this.finished) this.mux.send('resize', this.id, 0, Buffer.from(JSON.stringify(size)));
  }

  /** The last frame from the agent side: the stream ended normally or with result.error. */
  end(result: StreamResult): void {
    if (this.finished) return;
    this.mux.send('end', this.id, 0, Buffer.from(JSON.stringify(result)));
    this.finish('end');
  }

  /** Abandons the stream (client went away, process gone); the peer stops its side. */
  reset(): void {
    if (this.finished) return;
    this.mux.send('reset', this.id, 0);
    this.finish('reset');
  }

  /** @internal frames addressed to this stream */
  receive(f: Frame): void {
    if (this.finished) return;
    switch (f.type) {
      case 'data': {
        const n = f.payload.length;
        let acked = false;
        const done = () => {
          if (acked) return;
          acked = true;
          this.consumed(n);
        };
        if (this.handlers.data) this.handlers.data(f.channel, f.payload, done);
        else done();
        return;
      }
      case 'credit':
        if (f.payload.length >= 4) {
          this.sendWindow += f.payload.readUInt32BE(0);
          this.waiters.splice(0).forEach((w) => w());
        }
        return;
      case 'eof':
        this.handlers.eof?.(f.channel);
        return;
      case 'accept':
        this.handlers.accept?.();
        return;
      case 'resize': {
        const size = parseJson(f.payload) as Partial<TerminalSize> | undefined;
        if (size && Number.isInteger(size.width) && Number.isInteger(size.height)) this.handlers.resize?.({ width: size.width!, height: size.height! });
        return;
      }
      case 'end':
        this.finish('end', (parseJson(f.payload) as StreamResult | undefined) ?? {});
        return;
      case 'reset':
        this.finish('reset');
        return;
      case 'open':
        return;
    }
  }

  /** @internal */
  finish(reason: StreamEndReason, result?: StreamResult): void {
    if (this.finished) return;
    this.finished = true;
    this.mux.forget(this.id);
    this.waiters.splice(0).forEach((w) => w());
    const closed = this.handlers.closed;
    this.handlers = {};
    closed?.(reason, result);
  }

  private consumed(n: number): void {
    this.unacked += n;
    // Batch credits: one small frame per quarter window, not one per chunk.
    if (this.unacked >= STREAM_WINDOW / 4 && !this.finished) {
      const credit = Buffer.allocUnsafe(4);
      credit.writeUInt32BE(this.unacked, 0);
      this.unacked = 0;
      this.mux.send('credit', this.id, 0, credit);
    }
  }
}

export class TunnelMux {
  private readonly streams = new Map<number, TunnelStream>();
  private nextId = 1;
  private closedFlag = false;
  private readonly closeListeners: (() => void)[] = [];

  /** onOpen: the agent's side, called for each stream the control server opens. */
  constructor(
    private readonly ws: WebSocket,
    private readonly onOpen?: (stream: TunnelStream, request: StreamRequest) => void,
  ) {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return;
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      const f = decodeFrame(buf);
      if (f) this.dispatch(f);
    });
    ws.on('close', () => this.close());
    ws.on('error', () => this.close());
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  onClose(fn: () => void): void {
    if (this.closedFlag) queueMicrotask(fn);
    else this.closeListeners.push(fn);
  }

  get activeStreams(): number {
    return this.streams.size;
  }

  /** Control side: opens a stream asking the agent for request. */
  open(request: StreamRequest): TunnelStream {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    const s = new TunnelStream(this, id);
    this.streams.set(id, s);
    if (this.closedFlag) queueMicrotask(() => s.finish('tunnel-closed'));
    else this.send('open', id, 0, Buffer.from(JSON.stringify(request)));
    return s;
  }

  /** Ends every stream (tunnel lost) and closes the socket. */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    for (const s of [...this.streams.values()]) s.finish('tunnel-closed');
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.terminate();
    this.closeListeners.splice(0).forEach((fn) => fn());
  }

  /** @internal */
  send(type: FrameType, stream: number, channel: number, payload?: Buffer): void {
    if (this.closedFlag || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(encodeFrame(type, stream, channel, payload), { binary: true });
  }

  /** @internal */
  forget(id: number): void {
    this.streams.delete(id);
  }

  private dispatch(f: Frame): void {
    if (f.type === 'open') {
      if (!this.onOpen || this.streams.has(f.stream)) return;
      const request = parseJson(f.payload) as StreamRequest | undefined;
      const s = new TunnelStream(this, f.stream);
      this.streams.set(f.stream, s);
      if (!request || !STREAM_KINDS.includes(request.kind)) {
        s.end({ error: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 400, reason: 'BadRequest', message: 'malformed stream request' } });
        return;
      }
      this.onOpen(s, request);
      return;
    }
    this.streams.get(f.stream)?.receive(f);
  }
}

function parseJson(buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    return undefined;
  }
}
