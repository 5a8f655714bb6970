// Entry point for request bodies sent as application/vnd.kubernetes.protobuf: envelope →
// field table for its kind → the same JSON-shaped object a JSON body would have produced,
// with apiVersion and kind from the envelope. Failures become Kubernetes Status errors
// before anything is written: 415 for a kind or encoding we cannot decode (the client can
// send JSON instead), 400 for a body that is broken or holds fields we cannot represent.

import { ApiError, errors } from '../../../api/errors.js';
import { decodeMessage } from './decode-message.js';
import { readEnvelope } from './envelope.js';
import { ProtobufDecodeError } from './errors.js';
import { messageFor } from './kinds.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** Pure decoder: throws ProtobufDecodeError. */
export function decodeProtobufObject(body: Uint8Array): Record<string, unknown> {
  const env = readEnvelope(body);
  if (env.contentEncoding !== '') {
    throw new ProtobufDecodeError('UnsupportedEncoding', `protobuf content encoding "${env.contentEncoding}" is not supported`);
  }
  if (env.contentType !== '' && env.contentType !== PROTOBUF_MEDIA_TYPE) {
    throw new ProtobufDecodeError('UnsupportedEncoding', `protobuf envelope content type "${env.contentType}" is not supported`);
  }
  if (env.kind === '') throw new ProtobufDecodeError('Malformed', 'the protobuf envelope does not name a kind');
  const spec = messageFor(env.apiVersion, env.kind);
  if (!spec) {
    throw new ProtobufDecodeError('UnsupportedKind', `${env.kind} (${env.apiVersion || 'no apiVersion'}) cannot be sent as protobuf to this server; send it as application/json`);
  }
  const fields = decodeMessage(env.raw, spec);
  return { apiVersion: env.apiVersion, kind: env.kind, ...fields };
}

/** For the HTTP layer: the decoded object, or an ApiError carrying a Status. */
export function decodeProtobufRequest(body: Uint8Array): Record<string, unknown> {
  try {
    return decodeProtobufObject(body);
  } catch (err) {
    if (err instanceof ProtobufDecodeError) throw toApiError(err);
    throw err;
  }
}

function toApiError(err: ProtobufDecodeError): ApiError {
  switch (err.code) {
    case 'UnsupportedKind':
    case 'UnsupportedEncoding':
      // errors.unsupportedMediaType words its message for an unknown content type; this
      // one is known, only not for this kind, so the Status says which.
      return new ApiError({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `the body of the request could not be decoded as ${PROTOBUF_MEDIA_TYPE}: ${err.message}`,
        reason: 'UnsupportedMediaType',
        code: 415,
      });
    case 'UnsupportedField':
      return errors.badRequest(`error decoding the request body as protobuf: ${err.message}; send the object as application/json instead`);
    case 'Truncated':
    case 'Malformed':
    case 'NotEnvelope':
      return errors.badRequest(`error decoding the request body as protobuf: ${err.message}`);
  }
}
