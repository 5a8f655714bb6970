// What an authorizer decides on, as Kubernetes' RequestInfo gives it: the user, the verb
// (get/list/watch/create/update/patch/delete/deletecollection), the API group, resource,
// subresource, namespace and name; for list/watch also the field selector, and the name
// a `metadata.name=` field selector pins (kube treats that list/watch as one of a named
// object, which is how a kubelet watches the one Secret a pod uses).

import { parseFieldSelector } from '../../../api/fields.js';
import type { UserInfo } from '../auth.js';

export interface ResourceAttributes {
  user: UserInfo;
  verb: string;
  apiGroup: string;
  resource: string;
  subresource?: string | undefined;
  namespace?: string | undefined;
  name?: string | undefined;
  /** The raw fieldSelector of a list/watch/deletecollection. */
  fieldSelector?: string | undefined;
}

/** The verb of a REST request, as kube's RequestInfoFactory derives it. */
export function verbOf(method: string, named: boolean, watch: boolean): string {
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (watch) return 'watch';
      return named ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

/** The value a selector pins `field` to with `=`/`==` (undefined when none, or the selector does not parse: the handler answers that 400). */
export function exactField(selector: string | undefined, field: string): string | undefined {
  if (!selector) return undefined;
  try {
    return parseFieldSelector(selector).requiresExactMatch(field);
  } catch {
    return undefined;
  }
}
