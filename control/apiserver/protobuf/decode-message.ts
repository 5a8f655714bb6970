// Table-driven protobuf → JSON: walks a message's fields with its MessageSpec and builds the
// object the JSON API would have received. Fields missing from a table are refused when they
// carry a value, so nothing a client sent is silently dropped; fields that only carry a zero
// value (a newer client writing a newer non-pointer field) are skipped, as JSON's omitempty
// would have left them out anyway.

import { ProtobufDecodeError } from './errors.js';
import type { FieldSpec, MessageSpec, ValueType } from './schema.js';
import { WireReader, type WireType } from './wire-reader.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeMessage(buf: Uint8Array, spec: MessageSpec, into: Record<string, unknown> = {}): Record<string, unknown> {
  const r = new WireReader(buf, spec.name);
  while (!r.done()) {
    const { field, wire } = r.tag();
    const f = spec.fields.get(field);
    if (!f) {
      if (!r.skip(wire).zero) {
        throw new ProtobufDecodeError('UnsupportedField', `field ${field} of ${spec.name} is not supported by this server`);
      }
      continue;
    }
    decodeField(r, wire, f, field, spec, into);
  }
  return into;
}

/** Names a field in an error message; built only when one is thrown. */
type Where = () => string;

function decodeField(r: WireReader, wire: WireType, f: FieldSpec, field: number, spec: MessageSpec, into: Record<string, unknown>): void {
  const where: Where = () => `${spec.name}.${f.json} (field ${field})`;
  switch (f.shape) {
    case 'inline':
      expectWire(wire, 2, where);
      decodeMessage(r.bytes(), f.type as MessageSpec, into);
      return;
    case 'map': {
      expectWire(wire, 2, where);
      const [key, value] = decodeMapEntry(r.bytes(), f.type, where);
      const target = (into[f.json] ??= {}) as Record<string, unknown>;
      // "__proto__" must stay an ordinary key: assignment would set the prototype instead.
      if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
      else target[key] = value;
      return;
    }
    case 'repeated': {
      const target = (into[f.json] ??= []) as unknown[];
      if (wire === 2 && isPackable(f.type)) {
        // Packed numeric list: one length-delimited run of varints.
        const packed = new WireReader(r.bytes(), where());
        while (!packed.done()) target.push(readValue(packed, 0, f.type, where));
        return;
      }
      target.push(readValue(r, wire, f.type, where) ?? null); // a zero Time in a list is null in JSON
      return;
    }
    case 'one':
    case 'optional': {
      if (typeof f.type !== 'string' && !f.type.toJson) {
        // A repeated occurrence of a message field merges into the earlier one (protobuf rules).
        expectWire(wire, 2, where);
        const prior = into[f.json];
        into[f.json] = decodeMessage(r.bytes(), f.type, isObject(prior) ? prior : {});
        return;
      }
      const value = readValue(r, wire, f.type, where);
      // Last occurrence wins; a zero in a non-pointer field means "unset".
      if (value === undefined || (f.shape === 'one' && isZero(value))) delete into[f.json];
      else into[f.json] = value;
      return;
    }
  }
}

/** A scalar, or a message in its JSON form; `undefined` for a value message's zero value. */
function readValue(r: WireReader, wire: WireType, type: ValueType, where: Where): unknown {
  if (typeof type !== 'string') {
    expectWire(wire, 2, where);
    const decoded = decodeMessage(r.bytes(), type);
    return type.toJson ? type.toJson(decoded) : decoded;
  }
  switch (type) {
    case 'string': {
      expectWire(wire, 2, where);
      const raw = r.bytes(); // outside the try: a truncation must not read as bad UTF-8
      try {
        return utf8.decode(raw);
      } catch {
        throw new ProtobufDecodeError('Malformed', `${where()}: string is not valid UTF-8`);
      }
    }
    case 'bytes':
      expectWire(wire, 2, where);
      return Buffer.from(r.bytes()).toString('base64');
    case 'bool':
      expectWire(wire, 0, where);
      return r.varint() !== 0n;
    case 'int32':
      expectWire(wire, 0, where);
      return Number(BigInt.asIntN(32, r.varint()));
    case 'int64': {
      expectWire(wire, 0, where);
      const v = BigInt.asIntN(64, r.varint());
      // A JSON number past 2^53 would silently change value in every JavaScript client.
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new ProtobufDecodeError('UnsupportedField', `${where()}: ${v} is too large for this server`);
      }
      return Number(v);
    }
  }
}

function decodeMapEntry(buf: Uint8Array, valueType: ValueType, where: Where): [string, unknown] {
  const r = new WireReader(buf, 'map entry');
  let key = '';
  let value: unknown;
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1) key = readValue(r, wire, 'string', () => `${where()} key`) as string;
    else if (field === 2) value = readValue(r, wire, valueType, () => `${where()}[${JSON.stringify(key)}]`);
    else if (!r.skip(wire).zero) throw new ProtobufDecodeError('Malformed', `${where()}: map entry has a field ${field}`);
  }
  // An absent value is the value type's zero (proto2 map semantics).
  if (value === undefined) value = typeof valueType === 'string' ? zeroOf(valueType) : readDefault(valueType);
  return [key, value];
}

function readDefault(spec: MessageSpec): unknown {
  const decoded = {};
  return spec.toJson ? spec.toJson(decoded) : decoded;
}

function zeroOf(type: Exclude<ValueType, MessageSpec>): unknown {
  return type === 'string' || type === 'bytes' ? '' : type === 'bool' ? false : 0;
}

function isPackable(type: ValueType): boolean {
  return type === 'bool' || type === 'int32' || type === 'int64';
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function expectWire(actual: WireType, expected: WireType, where: Where): void {
  if (actual !== expected) {
    throw new ProtobufDecodeError('Malformed', `${where()} has wire type ${actual}, expected ${expected}`);
  }
}
