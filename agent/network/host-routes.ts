// Installs the routes to other nodes' pod ranges (routes.ts decides which) into the main
// table, with Skiff's route protocol so that a later sync recognises its own and leaves
// every other route alone.

import type { Logger } from 'pino';
import { ip, ipJson } from './ip.js';
import { ROUTE_PROTOCOL, routeChanges, type InstalledRoute, type PodRoute } from './routes.js';

interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string | number;
}

/** IPv4 routes of the main table; `ip -j` names a /32 without its length and protocols by name. */
async function installedRoutes(): Promise<InstalledRoute[]> {
  const routes = await ipJson<IpRoute>(['-4', 'route', 'show', 'table', 'main']);
  return routes.map((r) => ({ dst: r.dst.includes('/') || r.dst === 'default' ? r.dst : `${r.dst}/32`, gateway: r.gateway, dev: r.dev, protocol: r.protocol }));
}

/** Our routes, by the protocol number (iproute2 prints unnamed protocols as numbers). */
export async function ownRoutes(): Promise<InstalledRoute[]> {
  return (await installedRoutes()).filter((r) => String(r.protocol) === String(ROUTE_PROTOCOL));
}

export async function syncRoutes(wanted: readonly PodRoute[], log: Logger): Promise<void> {
  const changes = routeChanges(wanted, await installedRoutes());
  for (const dst of changes.conflicts) log.warn({ dst }, 'another route already covers this pod range: not routing it');
  for (const dst of changes.remove) {
    await ip(['route', 'del', dst, 'proto', String(ROUTE_PROTOCOL)]).catch((err: Error) => log.warn({ dst, err: err.message }, 'removing a pod route failed'));
    log.info({ dst }, 'pod route removed');
  }
  // One peer that cannot be routed (host-gw towards a node not on this L2) must not keep
  // the others from their routes: every route is tried, the failures reported together.
  const failed: string[] = [];
  for (const r of changes.replace) {
    const args = ['route', 'replace', r.dst, 'via', r.via, ...(r.dev ? ['dev', r.dev, 'onlink'] : []), 'proto', String(ROUTE_PROTOCOL)];
    try {
      await ip(args);
      log.info({ dst: r.dst, via: r.via, dev: r.dev }, 'pod route installed');
    } catch (err) {
      const hint = r.dev ? '' : ' (host-gw needs every node on this L2; --pod-network-backend vxlan does not)';
      failed.push(`${r.dst} via ${r.via}: ${(err as Error).message}${hint}`);
    }
  }
  if (failed.length) throw new Error(`could not install pod routes: ${failed.join('; ')}`);
}
