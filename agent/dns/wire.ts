// The DNS wire format (RFC 1035, SRV from RFC 2782, the EDNS OPT record from RFC 6891), as
// far as the node's DNS server needs it: decode a query (and, for tests, an answer), encode
// an answer with name compression. Forwarded queries are relayed as bytes, not re-encoded.

export const TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, ANY: 255 } as const;
export const CLASS_IN = 1;
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export interface Question {
  name: string;
  type: number;
  class: number;
}

export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export interface SrvData {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

/** A/AAAA: the address text; CNAME/PTR/NS: a name; SRV, SOA; anything else: the raw bytes. */
export type RecordData = string | SrvData | SoaData | Buffer;

export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  data: RecordData;
}

export interface Header {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  rcode: number;
}

export interface Message extends Header {
  questions: Question[];
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
}

export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

/** Names are kept without the trailing dot, in the case they came in ("" is the root). */
export function normalizeName(name: string): string {
  return name.replace(/\.$/, '');
}

// ---- decoding ----

class Reader {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
  ) {}

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new WireError('message is truncated');
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** A name, following compression pointers (only backwards, so a loop cannot hang us). */
  name(): string {
    const labels: string[] = [];
    let pos = this.pos;
    let end = -1;
    let total = 0;
    for (;;) {
      if (pos >= this.buf.length) throw new WireError('name runs past the message');
      const len = this.buf[pos]!;
      if ((len & 0xc0) === 0xc0) {
        if (pos + 1 >= this.buf.length) throw new WireError('name runs past the message');
        const target = ((len & 0x3f) << 8) | this.buf[pos + 1]!;
        if (target >= pos) throw new WireError('compression pointer does not point backwards');
        if (end < 0) end = pos + 2;
        pos = target;
        continue;
      }
      if (len & 0xc0) throw new WireError('unknown label type');
      if (len === 0) {
        if (end < 0) end = pos + 1;
        break;
      }
      if (pos + 1 + len > this.buf.length) throw new WireError('label runs past the message');
      total += len + 1;
      if (total > 255) throw new WireError('name longer than 255 octets');
      labels.push(this.buf.toString('latin1', pos + 1, pos + 1 + len));
      pos += 1 + len;
    }
    this.pos = end;
    return labels.join('.');
  }
}

function decodeHeader(r: Reader): Header & { counts: number[] } {
  const id = r.u16();
  const flags = r.u16();
  const counts = [r.u16(), r.u16(), r.u16(), r.u16()];
  return {
    id,
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    rcode: flags & 0xf,
    counts,
  };
}

function decodeRecord(r: Reader): ResourceRecord {
  const name = r.name();
  const type = r.u16();
  const cls = r.u16();
  const ttl = r.u32();
  const len = r.u16();
  r.need(len);
  const end = r.pos + len;
  let data: RecordData;
  if (type === TYPE.A && len === 4) data = [...r.bytes(4)].join('.');
  else if (type === TYPE.AAAA && len === 16) data = formatIPv6(r.bytes(16));
  else if (type === TYPE.CNAME || type === TYPE.PTR || type === TYPE.NS) data = r.name();
  else if (type === TYPE.SRV) data = { priority: r.u16(), weight: r.u16(), port: r.u16(), target: r.name() };
  else if (type === TYPE.SOA) data = { mname: r.name(), rname: r.name(), serial: r.u32(), refresh: r.u32(), retry: r.u32(), expire: r.u32(), minimum: r.u32() };
  else data = Buffer.from(r.bytes(len));
  if (r.pos !== end) throw new WireError(`record data of ${name} is not ${len} octets long`);
  return { name, type, class: cls, ttl, data };
}

function formatIPv6(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return groups.join(':');
}

/** Just the header: enough to answer FORMERR to a query whose body does not parse. */
export function decodeHeaderOnly(buf: Buffer): Header | undefined {
  if (buf.length < 12) return undefined;
  const { counts: _c, ...h } = decodeHeader(new Reader(buf));
  return h;
}

export function decode(buf: Buffer): Message {
  const r = new Reader(buf);
  const { counts, ...header } = decodeHeader(r);
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]!; i++) questions.push({ name: r.name(), type: r.u16(), class: r.u16() });
  const section = (n: number) => Array.from({ length: n }, () => decodeRecord(r));
  const answers = section(counts[1]!);
  const authorities = section(counts[2]!);
  const additionals = section(counts[3]!);
  return { ...header, questions, answers, authorities, additionals };
}

// ---- encoding ----

class Writer {
  private chunks: Buffer[] = [];
  length = 0;
  /** Lower-cased name suffix → offset of its first label, for compression. */
  private readonly names = new Map<string, number>();

  push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u16(v: number): void {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    this.push(b);
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    this.push(b);
  }
  name(name: string): void {
    const labels = normalizeName(name).split('.').filter((l) => l !== '');
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const at = this.names.get(suffix);
      if (at !== undefined) return this.u16(0xc000 | at);
      if (this.length < 0x3fff) this.names.set(suffix, this.length);
      const label = Buffer.from(labels[i]!, 'latin1');
      if (label.length > 63) throw new WireError(`label ${labels[i]} longer than 63 octets`);
      this.push(Buffer.from([label.length]));
      this.push(label);
    }
    this.push(Buffer.from([0]));
  }
  /** Reserves a 16-bit length, returning a function that fills it with the octets written since. */
  lengthPrefix(): () => void {
    const slot = Buffer.alloc(2);
    this.push(slot);
    const start = this.length;
    return () => slot.writeUInt16BE(this.length - start);
  }
  result(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

function ipv4Bytes(ip: string): Buffer {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new WireError(`${ip} is not an IPv4 address`);
  return Buffer.from(parts);
}

function encodeRecord(w: Writer, rr: ResourceRecord): void {
  w.name(rr.name);
  w.u16(rr.type);
  w.u16(rr.class);
  w.u32(rr.ttl);
  const done = w.lengthPrefix();
  const d = rr.data;
  if (Buffer.isBuffer(d)) w.push(d);
  else if (typeof d === 'string') {
    if (rr.type === TYPE.A) w.push(ipv4Bytes(d));
    else w.name(d);
  } else if ('target' in d) {
    w.u16(d.priority);
    w.u16(d.weight);
    w.u16(d.port);
    w.name(d.target);
  } else {
    w.name(d.mname);
    w.name(d.rname);
    for (const v of [d.serial, d.refresh, d.retry, d.expire, d.minimum]) w.u32(v);
  }
  done();
}

export function encode(m: Message): Buffer {
  const w = new Writer();
  w.u16(m.id);
  w.u16((m.qr ? 0x8000 : 0) | ((m.opcode & 0xf) << 11) | (m.aa ? 0x0400 : 0) | (m.tc ? 0x0200 : 0) | (m.rd ? 0x0100 : 0) | (m.ra ? 0x0080 : 0) | (m.rcode & 0xf));
  for (const n of [m.questions.length, m.answers.length, m.authorities.length, m.additionals.length]) w.u16(n);
  for (const q of m.questions) {
    w.name(q.name);
    w.u16(q.type);
    w.u16(q.class);
  }
  for (const rr of [...m.answers, ...m.authorities, ...m.additionals]) encodeRecord(w, rr);
  return w.result();
}

/** The EDNS OPT pseudo-record: its class is the sender's UDP payload size. */
export function optRecord(udpSize: number): ResourceRecord {
  return { name: '', type: TYPE.OPT, class: udpSize, ttl: 0, data: Buffer.alloc(0) };
}
