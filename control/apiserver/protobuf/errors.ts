// Typed errors of the protobuf body decoder, with stable codes. `toApiError` in
// decode-request.ts maps them to Kubernetes Status objects (415 for a kind or encoding we do
// not decode, 400 for everything else).

export type ProtobufErrorCode =
  | 'Truncated' // a length or varint runs past the end of its message
  | 'Malformed' // bytes that no protobuf encoder produces (bad wire type, overlong varint, bad UTF-8)
  | 'UnsupportedField' // a field with a value that our tables do not describe
  | 'NotEnvelope' // the body does not start with the "k8s\0" magic
  | 'UnsupportedKind' // a well-formed envelope carrying a kind we have no table for
  | 'UnsupportedEncoding'; // runtime.Unknown with a contentEncoding (none is defined today)

export class ProtobufDecodeError extends Error {
  constructor(
    readonly code: ProtobufErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProtobufDecodeError';
  }
}
