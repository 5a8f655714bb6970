// What the API server calls: authorize one resolved request (and get back the storage the
// handler should use, wrapped by any admission step), a non-resource request, or an
// agent's streaming tunnel. The authorizer chain is the cluster admin's (system:masters),
// then the Node authorizer; everything else is denied.

import type { UserInfo } from '../auth.js';
import type { ResolvedPath } from '../router.js';
import type { ResourceStorage } from '../registry/storage.js';
import { nodeNameOf } from '../../pki/node-credentials.js';
import { verbOf, type ResourceAttributes } from './attributes.js';
import { forbidden, forbiddenStatus, mastersAuthorizer, unionAuthorizer, type Authorizer } from './authorizer.js';
import { NodeAuthorizer } from './node-authorizer.js';
import { NodeGraph } from './node-graph.js';

export class RequestAuthorization {
  private readonly authorizer: Authorizer;

  constructor(storages: readonly ResourceStorage[]) {
    const core = (resource: string) => storages.find((s) => s.type.resource === resource && !s.type.group);
    this.authorizer = unionAuthorizer([mastersAuthorizer, new NodeAuthorizer(new NodeGraph(core('pods')!, core('serviceaccounts')))]);
  }

  /** Throws 403 when denied; returns the request with the storage to use. */
  async resource(user: UserInfo, method: string, r: ResolvedPath, query: URLSearchParams, watch: boolean): Promise<ResolvedPath> {
    const t = r.storage.type;
    const a: ResourceAttributes = {
      user,
      // A POST to a named object's subresource (binding, eviction) creates that subresource.
      verb: verbOf(method, r.name !== undefined, watch),
      apiGroup: t.group,
      resource: t.resource,
      subresource: r.subresource,
      namespace: r.namespace,
      name: r.name,
      fieldSelector: query.get('fieldSelector') ?? undefined,
    };
    const d = await this.authorizer.authorize(a);
    if (d.allowed === true) return d.admit ? { ...r, storage: d.admit(r.storage) } : r;
    throw forbidden(a, d.allowed === false ? d.reason : '');
  }

  /** metrics.k8s.io: read by the cluster admin (kubectl top); nodes have no use for it. */
  async metrics(user: UserInfo, resource: string, namespace: string | undefined, name: string | undefined): Promise<void> {
    const a: ResourceAttributes = { user, verb: name ? 'get' : 'list', apiGroup: 'metrics.k8s.io', resource, namespace, name };
    const d = await this.authorizer.authorize(a);
    if (d.allowed !== true) throw forbidden(a, d.allowed === false ? d.reason : '');
  }

  /** An agent's tunnel for `nodeName`: only that node's own credential may hold it. */
  tunnel(user: UserInfo, nodeName: string): void {
    if (nodeNameOf(user) === nodeName) return;
    const reason = nodeNameOf(user) ? `node "${nodeNameOf(user)}" can only open its own tunnel` : 'only a node may open its tunnel';
    throw forbiddenStatus('nodes', '', nodeName, `User "${user.name}" cannot get resource "nodes/proxy" in API group "" at the cluster scope: ${reason}`);
  }
}
