// The Node authorizer: what a node credential (user system:node:<name>, group system:nodes)
// may do, after kube's system:node role narrowed by the Node authorizer's graph and
// AuthorizeNodeWithSelectors:
// - read Nodes, Services, Endpoints, EndpointSlices (kubelet, proxy, cluster DNS);
// - read its own pods: list/watch only with fieldSelector spec.nodeName=<itself>, get only
//   a pod bound to it; write pod status of, evict and delete pods bound to it; create
//   mirror pods for itself (NodeRestriction, see node-restriction.ts);
// - read a Secret, ConfigMap or ServiceAccount only when a pod bound to it uses it, by name
//   (get, or list/watch with fieldSelector metadata.name=<name>, one object per watch);
// - create/update/patch/delete its own Node (and nodes/status) and its own Lease in
//   kube-node-lease; create/update/patch Events;
// - nothing else (403). Users outside system:nodes get no opinion here.

import { nodeNameOf } from '../../pki/node-credentials.js';
import { exactField, type ResourceAttributes } from './attributes.js';
import type { Authorizer, Decision } from './authorizer.js';
import type { ConfigKind, NodeGraph } from './node-graph.js';
import { restrictNodeLease, restrictNodeObject, restrictPods } from './node-restriction.js';

const READ = new Set(['get', 'list', 'watch']);
const WRITE = new Set(['create', 'update', 'patch', 'delete']);
const NODE_LEASE_NAMESPACE = 'kube-node-lease';

const allow: Decision = { allowed: true };
const deny = (reason: string): Decision => ({ allowed: false, reason });

export class NodeAuthorizer implements Authorizer {
  constructor(private readonly graph: NodeGraph) {}

  async authorize(a: ResourceAttributes): Promise<Decision> {
    const node = nodeNameOf(a.user);
    if (node === undefined) {
      // In system:nodes but not named system:node:<name>: kube's Node authorizer denies.
      return a.user.groups.includes('system:nodes') ? deny('unknown node for user') : { allowed: 'no-opinion' };
    }
    const key = `${a.apiGroup}/${a.resource}`;
    switch (key) {
      case '/nodes':
        return this.nodes(node, a);
      case 'coordination.k8s.io/leases':
        return this.lease(node, a);
      case '/pods':
        return this.pods(node, a);
      case '/secrets':
      case '/configmaps':
      case '/serviceaccounts':
        return this.configObject(node, a, a.resource as ConfigKind);
      case '/services':
      case '/endpoints':
      case 'discovery.k8s.io/endpointslices':
        return !a.subresource && READ.has(a.verb) ? allow : deny('');
      case '/events':
      case 'events.k8s.io/events':
        return ['create', 'update', 'patch'].includes(a.verb) ? allow : deny('');
      default:
        return deny('');
    }
  }

  private nodes(node: string, a: ResourceAttributes): Decision {
    if (!a.subresource && READ.has(a.verb)) return allow;
    if (a.subresource && a.subresource !== 'status') return deny('');
    if (!WRITE.has(a.verb) || (a.subresource === 'status' && !['get', 'update', 'patch'].includes(a.verb))) return deny('');
    // A create names the node only in the body: NodeRestriction checks it there.
    if (a.name !== undefined && a.name !== node) return deny(`node "${node}" may only modify its own Node object`);
    return { allowed: true, admit: restrictNodeObject(node) };
  }

  private lease(node: string, a: ResourceAttributes): Decision {
    const reason = 'can only access node lease with the same name as the requesting node';
    if (a.namespace !== NODE_LEASE_NAMESPACE || a.subresource) return deny(reason);
    if (a.verb === 'create') return { allowed: true, admit: restrictNodeLease(node) };
    if (!['get', 'update', 'patch', 'delete'].includes(a.verb)) return deny(reason);
    return a.name === node ? { allowed: true, admit: restrictNodeLease(node) } : deny(reason);
  }

  private async pods(node: string, a: ResourceAttributes): Promise<Decision> {
    const sub = a.subresource;
    if (!sub && (a.verb === 'list' || a.verb === 'watch')) {
      return exactField(a.fieldSelector, 'spec.nodeName') === node ? allow : deny(`can only ${a.verb} pods with spec.nodeName=${node} field selector`);
    }
    if ((!sub || sub === 'status') && a.verb === 'get') {
      return a.namespace && a.name && (await this.graph.boundPod(node, a.namespace, a.name)) ? allow : deny(`no relationship found between node '${node}' and this object`);
    }
    if ((!sub && (a.verb === 'create' || a.verb === 'delete')) || (sub === 'status' && (a.verb === 'update' || a.verb === 'patch')) || (sub === 'eviction' && a.verb === 'create')) {
      return { allowed: true, admit: restrictPods(node, a.verb, sub) };
    }
    if (!sub && (a.verb === 'update' || a.verb === 'patch')) return deny(`node "${node}" can only create and delete mirror pods, and update the status of pods bound to it`);
    return deny('');
  }

  private async configObject(node: string, a: ResourceAttributes, kind: ConfigKind): Promise<Decision> {
    if (a.subresource || !READ.has(a.verb)) return deny('');
    const name = a.verb === 'get' ? a.name : exactField(a.fieldSelector, 'metadata.name');
    if (!a.namespace || !name) return deny('can only read individual resources of this type (get, or list/watch with fieldSelector metadata.name=<name>)');
    return (await this.graph.references(node, kind, a.namespace, name)) ? allow : deny(`no relationship found between node '${node}' and this object`);
  }
}
