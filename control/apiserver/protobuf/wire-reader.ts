// The protobuf wire format, read-only: tags, varints, fixed-width values and length-delimited
// slices. Every read is bounds-checked against the message it belongs to, so a lying length
// or a cut-off body becomes a ProtobufDecodeError rather than a read past the end.

import { ProtobufDecodeError } from './errors.js';

/** 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. Groups (3, 4) are not produced by Kubernetes. */
export type WireType = 0 | 1 | 2 | 5;

export interface Tag {
  field: number;
  wire: WireType;
}

export class WireReader {
  private pos = 0;

  /** `what` names the message being read, for error messages. */
  constructor(
    private readonly buf: Uint8Array,
    readonly what: string,
  ) {}

  done(): boolean {
    return this.pos >= this.buf.length;
  }

  tag(): Tag {
    const key = this.uint32();
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 0) throw new ProtobufDecodeError('Malformed', `${this.what}: field number 0 is not valid`);
    if (wire !== 0 && wire !== 1 && wire !== 2 && wire !== 5) {
      throw new ProtobufDecodeError('Malformed', `${this.what}: field ${field} has wire type ${wire}, which Kubernetes never encodes`);
    }
    return { field, wire };
  }

  /** A varint as 64 unsigned bits; callers narrow it (int32, int64, bool). */
  varint(): bigint {
    let result = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw new ProtobufDecodeError('Malformed', `${this.what}: varint longer than 10 bytes`);
  }

  /** Tags and lengths: a varint that must fit in 31 bits. */
  uint32(): number {
    // Fast path without BigInt: nearly every tag and length fits in four bytes (28 bits).
    let n = 0;
    for (let i = 0; i < 4; i++) {
      const b = this.buf[this.pos + i];
      if (b === undefined) break;
      n |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) {
        this.pos += i + 1;
        return n;
      }
    }
    const v = this.varint();
    if (v > 0x7fffffffn) throw new ProtobufDecodeError('Malformed', `${this.what}: length or tag ${v} is out of range`);
    return Number(v);
  }

  fixed(width: 4 | 8): Uint8Array {
    return this.take(width);
  }

  /** The payload of a length-delimited field. */
  bytes(): Uint8Array {
    return this.take(this.uint32());
  }

  /** Skips a value of the given wire type and says whether it was the type's zero value. */
  skip(wire: WireType): { zero: boolean } {
    switch (wire) {
      case 0:
        return { zero: this.varint() === 0n };
      case 1:
      case 5:
        return { zero: this.fixed(wire === 1 ? 8 : 4).every((b) => b === 0) };
      case 2:
        return { zero: this.bytes().length === 0 };
    }
  }

  private byte(): number {
    const b = this.buf[this.pos];
    if (b === undefined) throw new ProtobufDecodeError('Truncated', `${this.what}: unexpected end of data`);
    this.pos++;
    return b;
  }

  private take(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) {
      throw new ProtobufDecodeError('Truncated', `${this.what}: a field of ${n} bytes runs past the end of the message`);
    }
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}
