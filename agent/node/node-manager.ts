// Node registration and heartbeats, as the kubelet's node status manager does them:
// register the Node (or take over an existing one of the same name), renew its Lease in
// kube-node-lease every 10 s, and write node status when it changes (or once a minute),
// which keeps idle writes — SD card wear — low. If the control server loses the Node (it
// was deleted, or the server's data was reset), the next heartbeat registers it again.

import type { Logger } from 'pino';
import type { ApiClient } from '../../api/client.js';
import { isAlreadyExists, isNotFound } from '../../api/errors.js';
import { sleep } from '../../api/informer.js';
import { resources } from '../../api/resources.js';
import type { Lease, Node, NodeCondition, NodeStatus } from '../../api/types.js';
import { metaTime } from '../../api/time.js';

export const LEASE_NAMESPACE = 'kube-node-lease';
export const LEASE_DURATION_SECONDS = 40;

export interface NodeStatusSource {
  /** Static facts plus fresh capacity; called at registration and for each status write. */
  status(): Promise<Omit<NodeStatus, 'conditions'>>;
  labels(): Record<string, string>;
}

export interface NodeManagerOptions {
  client: ApiClient;
  nodeName: string;
  source: NodeStatusSource;
  logger: Logger;
  heartbeatMs?: number;
  statusRefreshMs?: number;
  /** Which pressure conditions hold now (the eviction manager's view); none when absent. */
  pressure?: () => { memory: boolean; disk: boolean; pid: boolean };
}

export class NodeManager {
  private readonly heartbeatMs: number;
  private readonly statusRefreshMs: number;
  private lastStatusJson = '';
  private lastStatusWrite = 0;

  constructor(private readonly options: NodeManagerOptions) {
    this.heartbeatMs = options.heartbeatMs ?? 10_000;
    this.statusRefreshMs = options.statusRefreshMs ?? 60_000;
  }

  /** Registers the node, retrying until the control server answers. Returns the Node. */
  async register(signal: AbortSignal): Promise<Node> {
    let backoff = 500;
    for (;;) {
      try {
        return await this.registerOnce();
      } catch (err) {
        if (signal.aborted) throw err;
        this.options.logger.warn({ err: (err as Error).message }, 'node registration failed, retrying');
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  }

  private async registerOnce(): Promise<Node> {
    const { client, nodeName, source } = this.options;
    const labels = source.labels();
    let node: Node;
    try {
      node = await client.create<Node>(resources.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName, labels }, spec: {} });
      this.options.logger.info({ node: nodeName }, 'node registered');
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // Re-registration of an existing node: keep its spec (podCIDR, taints), refresh labels.
      node = await client.patch<Node>(resources.nodes, nodeName, { metadata: { labels } });
    }
    this.lastStatusJson = '';
    await this.writeStatus();
    return node;
  }

  /** Waits until the control server has given this node a pod range. */
  async waitForPodCIDR(signal: AbortSignal): Promise<string> {
    for (;;) {
      try {
        const node = await this.options.client.get<Node>(resources.nodes, this.options.nodeName);
        if (node.spec.podCIDR) return node.spec.podCIDR;
      } catch (err) {
        if (isNotFound(err)) await this.register(signal);
        else this.options.logger.warn({ err: (err as Error).message }, 'waiting for podCIDR');
      }
      if (signal.aborted) throw new Error('stopped while waiting for a pod CIDR');
      await sleep(500, signal);
    }
  }

  /** Writes status now, between heartbeats (a pressure condition changed). */
  pokeStatus(): void {
    this.writeStatus().catch((err: unknown) => this.options.logger.warn({ err: (err as Error).message }, 'node status write failed'));
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(this.heartbeatMs, signal);
      if (signal.aborted) break;
      try {
        await this.renewLease();
        if (Date.now() - this.lastStatusWrite >= this.statusRefreshMs || !(await this.apiSaysReady())) this.lastStatusJson = '';
        await this.writeStatus();
      } catch (err) {
        if (isNotFound(err)) {
          this.options.logger.warn('node object is gone from the API, registering again');
          await this.register(signal).catch(() => undefined);
        } else {
          this.options.logger.warn({ err: (err as Error).message }, 'heartbeat failed');
        }
      }
    }
  }

  /**
   * Whether the API shows this node Ready. After an outage the node lifecycle controller
   * has set our conditions to Unknown; this agent's unchanged status must then be written
   * at once, not at the next refresh. (A read: no disk write on the control server.)
   */
  private async apiSaysReady(): Promise<boolean> {
    const node = await this.options.client.get<Node>(resources.nodes, this.options.nodeName);
    return node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  }

  private async renewLease(): Promise<void> {
    const { client, nodeName } = this.options;
    const spec = { holderIdentity: nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: new Date().toISOString().replace('Z', '000Z') };
    try {
      await client.patch<Lease>(resources.leases, nodeName, { spec }, { namespace: LEASE_NAMESPACE });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const node = await client.get<Node>(resources.nodes, nodeName);
      await client.create<Lease>(resources.leases, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: nodeName,
          namespace: LEASE_NAMESPACE,
          ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: node.metadata.uid! }],
        },
        spec,
      });
    }
  }

  private shuttingDown = false;

  /** Node shutdown: Ready becomes False ("node is shutting down"), written at once. */
  async markShuttingDown(): Promise<void> {
    this.shuttingDown = true;
    this.lastStatusJson = '';
    await this.writeStatus();
  }

  /** When each condition last changed: kept across heartbeats, as the kubelet keeps it. */
  private readonly transitions = new Map<string, { status: string; at: string }>();

  private conditions(): NodeCondition[] {
    const t = metaTime();
    const cond = (type: string, status: 'True' | 'False', reason: string, message: string): NodeCondition => {
      const prev = this.transitions.get(type);
      const at = prev && prev.status === status ? prev.at : t;
      this.transitions.set(type, { status, at });
      return { type, status, reason, message, lastHeartbeatTime: t, lastTransitionTime: at };
    };
    const p = this.options.pressure?.() ?? { memory: false, disk: false, pid: false };
    return [
      p.memory
        ? cond('MemoryPressure', 'True', 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available')
        : cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      p.disk ? cond('DiskPressure', 'True', 'KubeletHasDiskPressure', 'kubelet has disk pressure') : cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      p.pid
        ? cond('PIDPressure', 'True', 'KubeletHasInsufficientPID', 'kubelet has insufficient PID available')
        : cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      this.shuttingDown ? cond('Ready', 'False', 'KubeletNotReady', 'node is shutting down') : cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
    ];
  }

  private async writeStatus(): Promise<void> {
    const { client, nodeName, source } = this.options;
    const base = await source.status();
    // Compare without heartbeat times: only a real change (or the refresh period) writes.
    const json = JSON.stringify([base, this.options.pressure?.(), this.shuttingDown]);
    if (json === this.lastStatusJson) return;
    const status: NodeStatus = { ...base, conditions: this.conditions() };
    await client.patch<Node>(resources.nodes, nodeName, { status }, { subresource: 'status' });
    this.lastStatusJson = json;
    this.lastStatusWrite = Date.now();
  }
}
