// A tiny protobuf writer for the decoder's unit tests: builds messages field by field, the
// way Kubernetes' generated marshallers lay them out, so tests can state exact bytes.

export type Part = Uint8Array;

export function varint(value: number | bigint): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return Uint8Array.from(out);
}

const cat = (parts: Part[]): Uint8Array => Buffer.concat(parts);
const key = (field: number, wire: number) => varint((field << 3) | wire);

export const int = (field: number, value: number | bigint): Part => cat([key(field, 0), varint(value)]);
export const bool = (field: number, value: boolean): Part => int(field, value ? 1 : 0);
export const bytes = (field: number, value: Uint8Array): Part => cat([key(field, 2), varint(value.length), value]);
export const str = (field: number, value: string): Part => bytes(field, Buffer.from(value, 'utf8'));
export const msg = (field: number, ...parts: Part[]): Part => bytes(field, cat(parts));
export const fixed32 = (field: number): Part => cat([key(field, 5), new Uint8Array([1, 0, 0, 0])]);
/** map<string, string> entry */
export const entry = (field: number, k: string, v: string): Part => msg(field, str(1, k), str(2, v));
export const message = (...parts: Part[]): Uint8Array => cat(parts);

/** "k8s\0" + runtime.Unknown{typeMeta, raw} */
export function envelope(apiVersion: string, kind: string, raw: Uint8Array, extra: Part[] = []): Buffer {
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), msg(1, str(1, apiVersion), str(2, kind)), bytes(2, raw), ...extra]);
}
