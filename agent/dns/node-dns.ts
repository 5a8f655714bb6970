// `skiff agent`'s cluster DNS: the node-local address, the records kept from the agent's
// shared Service/EndpointSlice watch, the forwarder to the host's resolvers, and the
// server on port 53, for as long as the agent runs. The address stays when the agent
// stops, so pods get "port unreachable" at once (not a timeout) until it is back.

import type { Logger } from 'pino';
import { sleep } from '../../api/informer.js';
import type { ServiceInformers } from '../proxy/service-informers.js';
import { ClusterRecords } from './cluster-records.js';
import { DnsServer } from './dns-server.js';
import { ensureNodeLocalAddress } from './node-local-address.js';
import { Forwarder } from './upstream.js';

export interface NodeDnsOptions {
  informers: ServiceInformers;
  /** Where the server listens: the cluster DNS IP (--cluster-dns). */
  address: string;
  clusterDomain: string;
  /** The host's resolvers, for names outside the cluster (--resolv-conf). */
  resolvConf: string;
  logger: Logger;
}

/**
 * Runs until the signal. A failure to take the address or the port (another server on
 * :53) is logged and retried: the agent's pods and Services must not stop over DNS.
 */
export async function runNodeDns(o: NodeDnsOptions, signal: AbortSignal): Promise<void> {
  const records = new ClusterRecords(o.clusterDomain, o.address);
  o.informers.addHandlers(
    { onAdd: (s) => records.setService(s), onUpdate: (_a, b) => records.setService(b), onDelete: (s) => records.deleteService(s) },
    { onAdd: (s) => records.setSlice(s), onUpdate: (_a, b) => records.setSlice(b), onDelete: (s) => records.deleteSlice(s) },
  );
  const server = new DnsServer({
    address: o.address,
    records,
    synced: () => o.informers.hasSynced(),
    forwarder: new Forwarder({ resolvConf: o.resolvConf, ownAddresses: [o.address] }),
    logger: o.logger,
  });
  for (let backoff = 1_000; !signal.aborted; backoff = Math.min(backoff * 2, 30_000)) {
    try {
      await ensureNodeLocalAddress(o.address);
      await server.listen();
      break;
    } catch (err) {
      await server.close().catch(() => undefined);
      o.logger.error({ address: o.address, err: (err as Error).message, retryInMs: backoff }, 'cluster DNS cannot serve');
      await sleep(backoff, signal);
    }
  }
  if (signal.aborted) return server.close();
  o.logger.info({ address: o.address, clusterDomain: o.clusterDomain, resolvConf: o.resolvConf }, 'cluster DNS serving on UDP and TCP port 53');
  await new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));
  await server.close();
}
