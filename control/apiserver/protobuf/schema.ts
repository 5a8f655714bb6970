// Field tables: how each protobuf message of the API maps onto its JSON form. A table is
// written by hand from Kubernetes' generated.proto files (field numbers and types) and the
// Go types behind them (which fields are pointers, which structs are embedded).
//
// Why `optional` and `one` differ: Kubernetes' protobuf encoder writes every non-pointer
// field, zero or not, while a Go pointer field is on the wire only when it is set. So a zero
// in a `one` field means "unset" and is dropped (as `omitempty` drops it from JSON), while a
// zero in an `optional` field is a real value (`replicas: 0`, `maxUnavailable: 0`).

export type ScalarType = 'string' | 'bool' | 'int32' | 'int64' | 'bytes';

export interface MessageSpec {
  readonly kind: 'message';
  /** Protobuf message name, for error messages. */
  readonly name: string;
  readonly fields: ReadonlyMap<number, FieldSpec>;
  /**
   * Messages with their own JSON form (Time, IntOrString, Quantity, FieldsV1): turns the
   * decoded fields into that form; `undefined` means the zero value, which JSON omits.
   */
  readonly toJson?: (decoded: Record<string, unknown>) => unknown;
}

export type ValueType = ScalarType | MessageSpec;

export type FieldShape =
  | 'one' // a single value; zero means unset
  | 'optional' // a Go pointer: present means set, even when zero
  | 'repeated'
  | 'map' // map<string, value>
  | 'inline'; // an embedded Go struct: its fields sit in the parent's JSON object

export interface FieldSpec {
  readonly json: string;
  readonly shape: FieldShape;
  readonly type: ValueType;
}

export function message(name: string, fields: Record<number, FieldSpec>, toJson?: MessageSpec['toJson']): MessageSpec {
  const map = new Map(Object.entries(fields).map(([n, f]) => [Number(n), f] as const));
  return toJson ? { kind: 'message', name, fields: map, toJson } : { kind: 'message', name, fields: map };
}

export const one = (json: string, type: ValueType): FieldSpec => ({ json, shape: 'one', type });
export const optional = (json: string, type: ValueType): FieldSpec => ({ json, shape: 'optional', type });
export const list = (json: string, type: ValueType): FieldSpec => ({ json, shape: 'repeated', type });
export const map = (json: string, valueType: ValueType): FieldSpec => ({ json, shape: 'map', type: valueType });
/** The proto field's own name is kept only for error messages. */
export const inline = (protoName: string, type: MessageSpec): FieldSpec => ({ json: protoName, shape: 'inline', type });
