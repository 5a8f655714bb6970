// Node IPAM (the Kubernetes nodeipam controller, range allocator): gives every node a pod
// range (spec.podCIDR) cut from the cluster range. One worker decides, so two nodes joining
// at once never get the same range; allocations live in the Node objects themselves, so
// they survive restarts and are freed when a node is deleted.

import type { Logger } from 'pino';
import type { ApiClient } from '../../api/client.js';
import { formatCidr, parseCidr, subnet, type Cidr } from '../../api/cidr.js';
import { isNotFound } from '../../api/errors.js';
import { Informer } from '../../api/informer.js';
import { resources } from '../../api/resources.js';
import type { Node } from '../../api/types.js';
import { processQueue, WorkQueue } from '../../api/workqueue.js';

export interface NodeIpamOptions {
  client: ApiClient;
  logger: Logger;
  clusterCidr: string;
  nodeMaskSize: number;
}

export class NodeIpamController {
  private readonly nodes: Informer<Node>;
  private readonly queue = new WorkQueue({ baseDelayMs: 500, maxDelayMs: 30_000 });
  private readonly cluster: Cidr;
  /** Ranges handed out by this process whose node update the informer may not show yet. */
  private readonly allocated = new Map<string, string>();

  constructor(private readonly options: NodeIpamOptions) {
    this.cluster = parseCidr(options.clusterCidr);
    // Validate the flags now, at start, rather than at the first node.
    subnet(this.cluster, options.nodeMaskSize, 0);
    this.nodes = new Informer<Node>(options.client, resources.nodes, { logger: options.logger });
    const enqueue = (n: Node) => {
      // A Node created by hand may have no spec at all (the API server stores it as sent).
      if (!n.spec?.podCIDR) this.queue.add(n.metadata.name!);
    };
    this.nodes.addHandlers({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n) });
  }

  async run(signal: AbortSignal): Promise<void> {
    const informer = this.nodes.run(signal);
    signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    await Promise.race([this.nodes.synced, new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
    await processQueue(this.queue, (name) => this.allocate(name), (name, err) =>
      this.options.logger.warn({ node: name, err: (err as Error).message }, 'pod CIDR allocation failed'),
    );
    await informer;
  }

  private async allocate(name: string): Promise<void> {
    const node = this.nodes.get(name);
    if (!node || node.spec?.podCIDR) return;
    const live = new Set(this.nodes.list().map((n) => n.metadata.name!));
    for (const n of this.allocated.keys()) if (!live.has(n)) this.allocated.delete(n);
    const used = new Set([...this.nodes.list().map((n) => n.spec?.podCIDR), ...this.allocated.values()].filter(Boolean));
    for (let i = 0; ; i++) {
      const candidate = subnet(this.cluster, this.options.nodeMaskSize, i);
      if (!candidate) throw new Error(`no pod CIDR left in ${this.options.clusterCidr} for node ${name}`);
      const cidr = formatCidr(candidate);
      if (used.has(cidr)) continue;
      try {
        this.allocated.set(name, cidr);
        const updated = await this.options.client.patch<Node>(resources.nodes, name, { metadata: { uid: node.metadata.uid }, spec: { podCIDR: cidr, podCIDRs: [cidr] } });
        this.options.logger.info({ node: name, podCIDR: updated.spec?.podCIDR }, 'pod CIDR allocated');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
  }
}
