// The agent's service proxy: informers on Services and EndpointSlices (all namespaces)
// feeding a Proxier that programs this host's iptables.

import type { Logger } from 'pino';
import type { ApiClient } from '../../api/client.js';
import { ExecConntrack } from './conntrack.js';
import { ExecIptables, type Iptables } from './iptables.js';
import { Proxier, type ProxierOptions } from './proxier.js';
import { ServiceInformers } from './service-informers.js';

export interface ProxyServerOptions extends Omit<ProxierOptions, 'iptables'> {
  client: ApiClient;
  /** Defaults to the host's iptables (backend detected). */
  iptables?: Iptables;
  /** The agent's shared watch (it runs them); omitted: the proxy opens and runs its own. */
  informers?: ServiceInformers | undefined;
}

export async function runProxy(o: ProxyServerOptions, signal: AbortSignal): Promise<void> {
  const iptables = o.iptables ?? (await ExecIptables.create());
  o.logger.info({ backend: iptables.backend, version: await iptables.version(), serviceCIDR: o.config.serviceCIDR, podCIDR: o.config.podCIDR, nodeIPs: o.config.nodeIPs }, 'service proxy starting');
  const proxier = new Proxier({ ...o, iptables, conntrack: o.conntrack ?? new ExecConntrack() });
  const informers = o.informers ?? new ServiceInformers(o.client, o.logger);
  const { services, slices } = informers;
  informers.addHandlers(
    {
      onAdd: (s) => proxier.onServiceAdd(s),
      onUpdate: (a, b) => proxier.onServiceUpdate(a, b),
      onDelete: (s) => proxier.onServiceDelete(s),
    },
    {
      onAdd: (s) => proxier.onEndpointSliceAdd(s),
      onUpdate: (a, b) => proxier.onEndpointSliceUpdate(a, b),
      onDelete: (s) => proxier.onEndpointSliceDelete(s),
    },
  );
  void services.synced.then(() => proxier.setServicesSynced());
  void slices.synced.then(() => proxier.setEndpointSlicesSynced());
  let first = true;
  proxier.onSynced = (r) => {
    if (!first) return;
    first = false;
    o.logger.info({ ms: Math.round(r.ms), servicePorts: r.services, lines: r.lines }, 'proxy rules programmed');
  };
  await Promise.all([o.informers ? undefined : informers.run(signal), proxier.run(signal)]);
}
