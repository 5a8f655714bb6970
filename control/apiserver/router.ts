// Maps a request path onto a registered resource: /api/v1/... (core) or
// /apis/<group>/<version>/..., then [namespaces/<ns>/]<resource>[/<name>[/<subresource>]].
// Namespaces themselves live at /api/v1/namespaces/<name>[/status|/finalize].

import { errors } from '../../api/errors.js';
import type { ResourceStorage } from './registry/storage.js';

export interface ResolvedPath {
  storage: ResourceStorage;
  namespace?: string | undefined;
  name?: string | undefined;
  subresource?: string | undefined;
}

export type RegistryLookup = (groupVersion: string, resource: string) => ResourceStorage | undefined;

/** Returns undefined when the path is not a resource path at all (discovery, health, …). */
export function resolveResourcePath(pathname: string, lookup: RegistryLookup): ResolvedPath | undefined {
  const segments = pathname.split('/').filter((s) => s !== '').map(safeDecode);
  let gv: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 3) {
    gv = segments[1]!;
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    gv = `${segments[1]}/${segments[2]}`;
    rest = segments.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest;
  if (!resource || extra.length > 0) throw errors.pathNotFound(pathname);
  // /api/v1/namespaces/NAME is the namespace NAME itself, not a namespaced collection.
  if (namespace !== undefined && resource === undefined) throw errors.pathNotFound(pathname);
  const storage = lookup(gv, resource);
  if (!storage) {
    // /api/v1/namespaces/NAME/SUB, i.e. a subresource of a namespace, lands here too.
    if (namespace !== undefined && rest.length === 1 && lookup(gv, 'namespaces')) {
      return { storage: lookup(gv, 'namespaces')!, name: namespace, subresource: resource };
    }
    throw errors.pathNotFound(pathname);
  }
  if (namespace !== undefined && !storage.type.namespaced) throw errors.pathNotFound(pathname);
  return { storage, namespace, name, subresource };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw errors.badRequest(`invalid path segment: ${s}`);
  }
}
