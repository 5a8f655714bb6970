// SPDY/3.1 framing shared by both ends Skiff speaks it on: the API server answering
// kubectl's exec (kubectl ≤ 1.29) and the agent calling containerd's streaming server.
// Only what remotecommand needs: control frames, DATA frames with FIN, a frame reader, and
// header blocks written as zlib "stored" (uncompressed) deflate blocks, which every zlib
// reader accepts without SPDY's preset dictionary. Neither end reads the peer's headers.

export const SPDY_VERSION = 3;
export const TYPE_SYN_STREAM = 1;
export const TYPE_SYN_REPLY = 2;
export const TYPE_RST_STREAM = 3;
export const TYPE_PING = 6;
export const TYPE_GOAWAY = 7;
export const FLAG_FIN = 0x01;
/** Larger payloads are split, so one stream cannot hold the connection with one huge frame. */
export const MAX_DATA = 32 * 1024;

export function controlFrame(type: number, flags: number, body: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  header.writeUInt16BE(type, 2);
  header.writeUInt8(flags, 4);
  header.writeUIntBE(body.length, 5, 3);
  return Buffer.concat([header, body]);
}

/** payload as DATA frames of at most MAX_DATA bytes; FIN on the last when fin. */
export function dataFrames(streamId: number, payload: Buffer, fin: boolean): Buffer[] {
  const frames: Buffer[] = [];
  let off = 0;
  do {
    const part = payload.subarray(off, off + MAX_DATA);
    off += part.length;
    const last = off >= payload.length;
    const header = Buffer.alloc(8);
    header.writeUInt32BE(streamId & 0x7fffffff, 0);
    header.writeUInt8(last && fin ? FLAG_FIN : 0, 4);
    header.writeUIntBE(part.length, 5, 3);
    frames.push(Buffer.concat([header, part]));
  } while (off < payload.length);
  return frames;
}

/** Cuts a byte stream into whole frames. */
export class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  feed(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const frames: Buffer[] = [];
    while (this.buffered.length >= 8) {
      const length = this.buffered.readUIntBE(5, 3);
      if (this.buffered.length < 8 + length) break;
      frames.push(this.buffered.subarray(0, 8 + length));
      this.buffered = this.buffered.subarray(8 + length);
    }
    return frames;
  }
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

/**
 * Header blocks as the continuation of one zlib stream per connection: a non-final stored
 * block holding the bytes, then an empty one — the marker a zlib sync flush writes, which
 * makes a streaming reader hand the block out without waiting for input that never comes.
 */
export class HeaderBlockEncoder {
  private started = false;

  encode(raw: Buffer): Buffer {
    const stored = Buffer.alloc(5 + raw.length + 5);
    stored.writeUInt8(0, 0); // BFINAL=0, BTYPE=00 (stored)
    stored.writeUInt16LE(raw.length, 1);
    stored.writeUInt16LE(~raw.length & 0xffff, 3);
    raw.copy(stored, 5);
    Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]).copy(stored, 5 + raw.length);
    if (this.started) return stored;
    this.started = true;
    // zlib header: deflate, 32 KiB window, no preset dictionary (0x7801 % 31 === 0).
    return Buffer.concat([Buffer.from([0x78, 0x01]), stored]);
  }
}
