// The agent's one watch on Services and EndpointSlices (all namespaces): the service proxy
// and the node's DNS server both read it, so a node opens it once, and both keep working
// from its cache while the control server is away.

import type { Logger } from 'pino';
import type { ApiClient } from '../../api/client.js';
import { Informer, type InformerHandlers } from '../../api/informer.js';
import { resources } from '../../api/resources.js';
import type { EndpointSlice, Service } from '../../api/service-types.js';

export class ServiceInformers {
  readonly services: Informer<Service>;
  readonly slices: Informer<EndpointSlice>;

  constructor(client: ApiClient, logger: Logger) {
    this.services = new Informer<Service>(client, resources.services, { logger });
    this.slices = new Informer<EndpointSlice>(client, resources.endpointslices, { logger });
  }

  /**
   * Registers handlers and, as client-go does for a late handler, replays what the cache
   * already holds as adds, in the same tick, so no event falls between the two.
   */
  addHandlers(services: InformerHandlers<Service>, slices: InformerHandlers<EndpointSlice>): void {
    this.services.addHandlers(services);
    this.slices.addHandlers(slices);
    for (const s of this.services.list()) services.onAdd?.(s);
    for (const s of this.slices.list()) slices.onAdd?.(s);
  }

  /** Both have been listed once. */
  hasSynced(): boolean {
    return this.services.hasSynced() && this.slices.hasSynced();
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.services.run(signal), this.slices.run(signal)]);
  }
}
