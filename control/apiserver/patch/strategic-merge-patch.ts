// Strategic merge patch, the patch `kubectl apply` and `kubectl patch` send by default.
// Like a JSON merge patch, except that lists of objects with a patch merge key (containers
// by name, env by name, ports by containerPort, …) merge element by element instead of being
// replaced, and the directives Kubernetes defines are honoured:
//   $patch: replace | delete | merge       on a map or a list element
//   $retainKeys: [..]                      keep only these keys of the map
//   $deleteFromPrimitiveList/<field>: [..] remove values from a primitive list
//   $setElementOrder/<field>: [..]         the final order of a merged list
// Merge keys come from the Go struct tags of the core types (patchMergeKey); the key of
// `ports` depends on where the list is (container ports vs service ports).

import { errors } from '../../../api/errors.js';
import { isObject } from './merge-patch.js';

type Path = readonly string[];

/** patchMergeKey per field name, with the few context-dependent ones resolved by path. */
function mergeKey(path: Path, field: string): string | undefined {
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
    case 'readinessGates':
      return field === 'readinessGates' ? 'conditionType' : 'name';
    case 'volumeMounts':
      return 'mountPath';
    case 'volumeDevices':
      return 'devicePath';
    case 'conditions':
      return 'type';
    case 'addresses':
      return path.includes('status') ? 'type' : undefined;
    case 'taints':
      return 'key';
    case 'hostAliases':
      return 'ip';
    case 'ownerReferences':
      return 'uid';
    case 'ports':
      return path.some((p) => p === 'containers' || p === 'initContainers' || p === 'ephemeralContainers') ? 'containerPort' : 'port';
    default:
      return undefined;
  }
}

/** Primitive lists Kubernetes merges as sets (patchStrategy merge). */
function mergesPrimitives(field: string): boolean {
  return field === 'finalizers';
}

export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) throw errors.badRequest('a strategic merge patch must be a JSON object');
  return mergeMap(isObject(target) ? target : {}, patch, []);
}

function mergeMap(original: Record<string, unknown>, patch: Record<string, unknown>, path: Path): Record<string, unknown> {
  const directive = patch['$patch'];
  if (directive === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return stripDirectives(rest) as Record<string, unknown>;
  }
  if (directive === 'delete') return {};
  let out: Record<string, unknown> = { ...original };
  const retain = patch['$retainKeys'];
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith('$setElementOrder/')) continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(value)) out[field] = cur.filter((x) => !value.some((v) => v === x));
      continue;
    }
    if (value === null) {
      delete out[key];
      continue;
    }
    const cur = out[key];
    if (Array.isArray(value)) {
      out[key] = mergeList(Array.isArray(cur) ? cur : [], value, [...path, key], key, patch[`$setElementOrder/${key}`]);
    } else if (isObject(value)) {
      out[key] = mergeMap(isObject(cur) ? cur : {}, value, [...path, key]);
    } else {
      out[key] = value;
    }
  }
  if (Array.isArray(retain)) {
    const keep = new Set(retain.map(String));
    out = Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k)));
  }
  return out;
}

function mergeList(original: unknown[], patch: unknown[], path: Path, field: string, order: unknown): unknown[] {
  const parentPath = path.slice(0, -1);
  const key = mergeKey(parentPath, field);
  if (patch.some((p) => isObject(p) && p['$patch'] === 'replace')) {
    return patch.filter((p) => !(isObject(p) && p['$patch'] === 'replace')).map(stripDirectives);
  }
  if (!key) {
    if (mergesPrimitives(field)) {
      const out = [...original];
      for (const v of patch) if (!out.includes(v)) out.push(v);
      return sortByOrder(out, order, (x) => x);
    }
    return patch.map(stripDirectives);
  }
  const out = original.map((x) => (isObject(x) ? { ...x } : x));
  for (const item of patch) {
    if (!isObject(item)) throw errors.badRequest(`unable to find api field in struct for the list ${field}: expected objects with merge key ${key}`);
    const id = item[key];
    if (id === undefined) throw errors.badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`);
    const idx = out.findIndex((x) => isObject(x) && x[key] === id);
    if (item['$patch'] === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = mergeMap(out[idx] as Record<string, unknown>, item, path);
    else out.push(stripDirectives(item));
  }
  return sortByOrder(out, order, (x) => (isObject(x) ? x[key] : x), key);
}

/** Applies $setElementOrder: listed elements in that order first, the rest after, as found. */
function sortByOrder(list: unknown[], order: unknown, id: (x: unknown) => unknown, key?: string): unknown[] {
  if (!Array.isArray(order)) return list;
  const wanted = order.map((o) => (key && isObject(o) ? o[key] : o));
  const rank = (x: unknown) => {
    const i = wanted.findIndex((w) => w === id(x));
    return i < 0 ? wanted.length : i;
  };
  return list.map((x, i) => ({ x, i })).sort((a, b) => rank(a.x) - rank(b.x) || a.i - b.i).map((e) => e.x);
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$')) continue;
    if (x === null) continue;
    out[k] = stripDirectives(x);
  }
  return out;
}
