// The authorization seam of the API server. An Authorizer answers allow or deny for one
// request's attributes; an allowed request may carry an admission step that wraps the
// resource's storage and checks the objects themselves (what NodeRestriction does: the
// URL alone cannot say which node a pod is bound to). Denials are 403 Status errors with
// Kubernetes' exact wording.

import { ApiError } from '../../../api/errors.js';
import type { Status } from '../../../api/types.js';
import type { ResourceStorage } from '../registry/storage.js';
import type { ResourceAttributes } from './attributes.js';

export type Decision =
  | { allowed: true; admit?: (storage: ResourceStorage) => ResourceStorage }
  | { allowed: false; reason: string }
  /** Not this authorizer's call: the next one decides. */
  | { allowed: 'no-opinion' };

export interface Authorizer {
  authorize(a: ResourceAttributes): Promise<Decision>;
}

export const MASTERS_GROUP = 'system:masters';

/** The cluster admin (group system:masters) may do everything, as in Kubernetes. */
export const mastersAuthorizer: Authorizer = {
  authorize: async (a) => (a.user.groups.includes(MASTERS_GROUP) ? { allowed: true } : { allowed: 'no-opinion' }),
};

/** Asks each authorizer in turn; the first that has an opinion decides; nobody: denied. */
export function unionAuthorizer(authorizers: Authorizer[]): Authorizer {
  return {
    async authorize(a) {
      for (const z of authorizers) {
        const d = await z.authorize(a);
        if (d.allowed !== 'no-opinion') return d;
      }
      return { allowed: false, reason: '' };
    },
  };
}

/**
 * `nodes "x" is forbidden: User "u" cannot patch resource "nodes" in API group "" at the
 * cluster scope: <reason>`, the text of kube's responsewriters.forbiddenMessage wrapped by
 * NewForbidden (a collection request has no name: `pods is forbidden: ...`).
 */
export function forbidden(a: ResourceAttributes, reason: string): ApiError {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  let message = `User "${a.user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${scope}`;
  if (reason) message += `: ${reason}`;
  return forbiddenStatus(a.resource, a.apiGroup, a.name, message);
}

/** NewForbidden's Status: `<resource>[.<group>] ["name"] is forbidden: <message>`. */
export function forbiddenStatus(resource: string, group: string, name: string | undefined, message: string): ApiError {
  const qualified = group ? `${resource}.${group}` : resource;
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: name ? `${qualified} "${name}" is forbidden: ${message}` : `${qualified} is forbidden: ${message}`,
    reason: 'Forbidden',
    details: { ...(name ? { name } : {}), ...(group ? { group } : {}), kind: resource },
    code: 403,
  };
  return new ApiError(status);
}
