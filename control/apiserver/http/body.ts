// Request bodies: size-capped reading and decoding. A body over the cap is refused before
// it is buffered whole (413), malformed JSON/YAML is a 400 naming the problem, and nothing
// is decoded from a content type we do not speak (415). Protobuf bodies go to ../protobuf/.

import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { errors } from '../../../api/errors.js';
import { decodeProtobufRequest, PROTOBUF_MEDIA_TYPE } from '../protobuf/decode-request.js';

/** Kubernetes' own request body limit is 3 MiB. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      req.resume();
      return reject(errors.tooLarge(`Request entity too large: limit is ${limit}`));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(errors.tooLarge(`Request entity too large: limit is ${limit}`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Decodes a JSON or YAML body into a plain value; rejects anything that is not an object. */
export function decodeBody(body: Buffer, contentType: string | undefined, what = 'object'): unknown {
  const type = mediaType(contentType);
  // kubectl ≥ 1.32 sends typed objects (create namespace, configmap, ...) as protobuf.
  if (type === PROTOBUF_MEDIA_TYPE) {
    if (body.length === 0) throw errors.badRequest(`the body of the request is empty: expected a ${what}`);
    return decodeProtobufRequest(body);
  }
  const text = body.toString('utf8');
  if (text.trim() === '') throw errors.badRequest(`the body of the request is empty: expected a ${what}`);
  let value: unknown;
  if (type === '' || type.endsWith('json')) {
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw errors.badRequest(`error decoding the request body as JSON: ${(err as Error).message}`);
    }
  } else if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml') {
    try {
      value = parseYaml(text, { maxAliasCount: 100 });
    } catch (err) {
      throw errors.badRequest(`error decoding the request body as YAML: ${(err as Error).message.split('\n')[0]}`);
    }
  } else {
    throw errors.unsupportedMediaType();
  }
  return value;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
