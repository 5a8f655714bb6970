// The pod network across hosts: watches the Nodes and keeps this node's routes to every
// other node's pod range (host-gw or vxlan), the vxlan peers, and the masquerade
// exemptions in step with them, as nodes join, change address or leave. Level-triggered:
// every change (and a periodic resync, which repairs anything removed by hand) recomputes
// the whole desired state from the informer's cache and applies the difference. While the
// control server is unreachable the cache, and so every route, stays as it was.

import type { Logger } from 'pino';
import type { ApiClient } from '../../api/client.js';
import { Informer, sleep } from '../../api/informer.js';
import { resources } from '../../api/resources.js';
import type { Node } from '../../api/types.js';
import { syncRoutes } from './host-routes.js';
import { syncNoMasquerade } from './no-masquerade.js';
import { peersOf, podRoutes, vxlanEntries, type PodNetworkBackend, type Self } from './routes.js';
import { ensureVxlanDevice, removeVxlanDevice, syncVxlanPeers } from './vxlan.js';

export interface NodeRoutesOptions {
  client: ApiClient;
  self: Self;
  backend: Exclude<PodNetworkBackend, 'none'>;
  logger: Logger;
  /** A full resync at least this often. */
  resyncMs?: number;
}

export class NodeRoutesController {
  private readonly nodes: Informer<Node>;
  private dirty = true;
  private wake: (() => void) | undefined;
  private lastPeers = '';

  constructor(private readonly o: NodeRoutesOptions) {
    this.nodes = new Informer<Node>(o.client, resources.nodes, { logger: o.logger });
    const poke = () => this.poke();
    this.nodes.addHandlers({ onAdd: poke, onUpdate: (a, b) => relevantChange(a, b) && poke(), onDelete: poke });
  }

  private poke(): void {
    this.dirty = true;
    this.wake?.();
  }

  async run(signal: AbortSignal): Promise<void> {
    const informer = this.nodes.run(signal);
    const resyncMs = this.o.resyncMs ?? 60_000;
    let backoffMs = 500;
    await Promise.race([this.nodes.synced, new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
    let lastFull = 0;
    while (!signal.aborted) {
      if (this.dirty || Date.now() - lastFull >= resyncMs) {
        this.dirty = false;
        try {
          await this.sync();
          lastFull = Date.now();
          backoffMs = 500;
        } catch (err) {
          this.o.logger.warn({ err: (err as Error).message, retryInMs: backoffMs }, 'pod network sync failed');
          this.dirty = true;
          await sleep(backoffMs, signal);
          backoffMs = Math.min(backoffMs * 2, 30_000);
          continue;
        }
      }
      // A change that arrived during the sync is handled at once.
      if (!this.dirty) await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          this.wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, resyncMs - (Date.now() - lastFull)));
        this.wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
      // A burst of node updates (a node joining brings several) becomes one sync.
      await sleep(100, signal);
    }
    await informer;
  }

  private async sync(): Promise<void> {
    const { self, backend, logger } = this.o;
    const peers = peersOf(self, this.nodes.list());
    logger.debug({ nodes: this.nodes.list().length, peers: peers.length }, 'pod network sync');
    if (backend === 'vxlan') {
      await ensureVxlanDevice(self, logger);
      await syncVxlanPeers(vxlanEntries(peers));
    } else {
      await removeVxlanDevice(logger);
    }
    // The exemptions go in even when a peer's route could not: the others' traffic keeps
    // its source address meanwhile.
    const routed = await syncRoutes(podRoutes(backend, peers), logger).then(() => undefined, (err: Error) => err);
    await syncNoMasquerade(self, peers);
    if (routed) throw routed;
    const summary = peers.map((p) => `${p.node}=${p.podCIDR}@${p.nodeIP}`).join(',');
    if (summary !== this.lastPeers) logger.info({ backend, peers: peers.length, summary }, 'pod network routes in sync');
    this.lastPeers = summary;
  }
}

/** Only a node's pod range and addresses matter here, not its heartbeats. */
function relevantChange(a: Node, b: Node): boolean {
  return a.spec.podCIDR !== b.spec.podCIDR || JSON.stringify(a.status?.addresses) !== JSON.stringify(b.status?.addresses);
}

export function runNodeRoutes(o: NodeRoutesOptions, signal: AbortSignal): Promise<void> {
  return new NodeRoutesController(o).run(signal);
}
