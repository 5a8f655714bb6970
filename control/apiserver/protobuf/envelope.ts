// Kubernetes' protobuf envelope: the 4 magic bytes "k8s\0", then a runtime.Unknown message
// (k8s.io/apimachinery/pkg/runtime/generated.proto) whose typeMeta (1) names the kind and
// whose raw (2) holds the object's own message. contentEncoding (3) and contentType (4) are
// empty in everything Kubernetes sends today.

import { ProtobufDecodeError } from './errors.js';
import { WireReader } from './wire-reader.js';

export const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function readEnvelope(body: Uint8Array): Envelope {
  if (body.length < PROTOBUF_MAGIC.length || !PROTOBUF_MAGIC.equals(body.subarray(0, PROTOBUF_MAGIC.length))) {
    throw new ProtobufDecodeError('NotEnvelope', 'the body does not start with the Kubernetes protobuf prefix "k8s\\x00"');
  }
  const out: Envelope = { apiVersion: '', kind: '', raw: new Uint8Array(0), contentEncoding: '', contentType: '' };
  const r = new WireReader(body.subarray(PROTOBUF_MAGIC.length), 'runtime.Unknown');
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (wire !== 2) {
      if (!r.skip(wire).zero) throw new ProtobufDecodeError('UnsupportedField', `field ${field} of runtime.Unknown is not supported by this server`);
      continue;
    }
    const bytes = r.bytes();
    if (field === 1) readTypeMeta(bytes, out);
    else if (field === 2) out.raw = bytes;
    else if (field === 3) out.contentEncoding = text(bytes, 'runtime.Unknown.contentEncoding');
    else if (field === 4) out.contentType = text(bytes, 'runtime.Unknown.contentType');
    else if (bytes.length > 0) throw new ProtobufDecodeError('UnsupportedField', `field ${field} of runtime.Unknown is not supported by this server`);
  }
  return out;
}

function readTypeMeta(buf: Uint8Array, out: Envelope): void {
  const r = new WireReader(buf, 'runtime.TypeMeta');
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (wire === 2 && field === 1) out.apiVersion = text(r.bytes(), 'runtime.TypeMeta.apiVersion');
    else if (wire === 2 && field === 2) out.kind = text(r.bytes(), 'runtime.TypeMeta.kind');
    else if (!r.skip(wire).zero) throw new ProtobufDecodeError('UnsupportedField', `field ${field} of runtime.TypeMeta is not supported by this server`);
  }
}

function text(bytes: Uint8Array, where: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ProtobufDecodeError('Malformed', `${where} is not valid UTF-8`);
  }
}
