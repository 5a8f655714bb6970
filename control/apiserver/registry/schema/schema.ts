// The JSON shapes of the kinds we serve, checked before defaulting and validation, as the
// Kubernetes API server's decoder checks them: a field of the wrong JSON type is a 400
// BadRequest naming the field (`cannot unmarshal array into Go struct field
// EnvVar.spec.containers.env.name of type string`), so validation only ever sees objects of
// the right shape. Unknown fields are collected for fieldValidation=Strict / Warn.

export type Schema =
  | { t: 'string' }
  | { t: 'int' }
  | { t: 'number' }
  | { t: 'bool' }
  | { t: 'any' }
  /** Kubernetes' IntOrString (ports, maxSurge, …). */
  | { t: 'intOrString' }
  /** resource.Quantity: a string, or a JSON number. */
  | { t: 'quantity' }
  | { t: 'array'; of: Schema }
  | { t: 'map'; of: Schema }
  | { t: 'object'; go: string; fields: Record<string, Schema>; open?: boolean };

export const str: Schema = { t: 'string' };
export const int: Schema = { t: 'int' };
export const num: Schema = { t: 'number' };
export const bool: Schema = { t: 'bool' };
export const any: Schema = { t: 'any' };
export const intOrString: Schema = { t: 'intOrString' };
export const quantity: Schema = { t: 'quantity' };
export const arrayOf = (of: Schema): Schema => ({ t: 'array', of });
export const mapOf = (of: Schema): Schema => ({ t: 'map', of });
export const strings = arrayOf(str);
export const stringMap = mapOf(str);
/** A struct; `open` structs (e.g. not yet described in full) accept any extra field. */
export const object = (go: string, fields: Record<string, Schema>, open = false): Schema => ({ t: 'object', go, fields, open });

export interface SchemaProblem {
  kind: 'type' | 'unknown';
  field: string;
  message: string;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

const goTypeName: Record<string, string> = { string: 'string', int: 'int32', number: 'float64', bool: 'bool', intOrString: 'intstr.IntOrString', quantity: 'resource.Quantity' };

/**
 * Walks value against schema. `null` is accepted everywhere (Go decodes it as the zero
 * value). Returns the type problems and unknown fields found, in document order.
 */
export function checkSchema(value: unknown, schema: Schema, path: string, struct = '', out: SchemaProblem[] = []): SchemaProblem[] {
  if (value === null || value === undefined || schema.t === 'any') return out;
  const type = jsonType(value);
  // Go names the struct field by its JSON path without list indexes or map keys.
  const goPath = path.replace(/\[[^\]]*\]/g, '');
  const mismatch = (goType: string) =>
    out.push({ kind: 'type', field: path, message: `json: cannot unmarshal ${type} into Go ${struct ? `struct field ${struct}.${goPath}` : 'value'} of type ${goType}` });
  switch (schema.t) {
    case 'string':
    case 'bool':
      if (type !== (schema.t === 'bool' ? 'boolean' : 'string')) mismatch(goTypeName[schema.t]!);
      return out;
    case 'int':
      if (type !== 'number' || !Number.isInteger(value)) mismatch('int32');
      return out;
    case 'number':
      if (type !== 'number') mismatch('float64');
      return out;
    case 'intOrString':
      if (type !== 'string' && !(type === 'number' && Number.isInteger(value))) mismatch('intstr.IntOrString');
      return out;
    case 'quantity':
      if (type !== 'string' && type !== 'number') mismatch('resource.Quantity');
      return out;
    case 'array':
      if (type !== 'array') {
        mismatch(`[]${describe(schema.of)}`);
        return out;
      }
      (value as unknown[]).forEach((v, i) => checkSchema(v, schema.of, `${path}[${i}]`, struct, out));
      return out;
    case 'map':
      if (type !== 'object') {
        mismatch(`map[string]${describe(schema.of)}`);
        return out;
      }
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) checkSchema(v, schema.of, `${path}[${k}]`, struct, out);
      return out;
    case 'object': {
      if (type !== 'object') {
        mismatch(schema.go);
        return out;
      }
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const child = schema.fields[k];
        const childPath = path ? `${path}.${k}` : k;
        if (child) checkSchema(v, child, childPath, schema.go, out);
        else if (!schema.open) out.push({ kind: 'unknown', field: childPath, message: `unknown field "${childPath}"` });
      }
      return out;
    }
  }
}

function describe(s: Schema): string {
  if (s.t === 'object') return s.go;
  if (s.t === 'array') return `[]${describe(s.of)}`;
  if (s.t === 'map') return `map[string]${describe(s.of)}`;
  return goTypeName[s.t] ?? 'interface {}';
}

/**
 * Drops the fields a closed struct does not have, as decoding into Go types does: with
 * fieldValidation Warn or Ignore they are accepted, but never stored.
 */
export function pruneUnknown(value: unknown, schema: Schema): void {
  if (value === null || typeof value !== 'object') return;
  if (schema.t === 'array' && Array.isArray(value)) {
    for (const v of value) pruneUnknown(v, schema.of);
  } else if (schema.t === 'map' && !Array.isArray(value)) {
    for (const v of Object.values(value)) pruneUnknown(v, schema.of);
  } else if (schema.t === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      const child = schema.fields[key];
      if (child) pruneUnknown(obj[key], child);
      else if (!schema.open) delete obj[key];
    }
  }
}
