// The services and endpoints Tables as Kubernetes' printService / printEndpoints /
// printEndpointSlice build them.

import type { EndpointSlice, Endpoints, Service } from '../../../../api/service-types.js';
import type { TableRow } from '../../../../api/types.js';
import { ageColumn, column, formatLabels, nameColumn, tableOf } from './columns.js';
import { timestampAge } from './human-duration.js';

export const serviceColumnDefinitions = [
  nameColumn(),
  column('Type', 'string', 'The type of the service.'),
  column('Cluster-IP', 'string', 'The IP address of the service.'),
  column('External-IP', 'string', 'The external IP addresses of the service.'),
  column('Port(s)', 'string', 'The ports that are exposed by this service.'),
  ageColumn(),
  column('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', 1),
];

/** EXTERNAL-IP: what reaches the service from outside, by type. */
function externalIP(svc: Service): string {
  const spec = svc.spec ?? {};
  const external = spec.externalIPs ?? [];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
    case undefined:
      return external.length ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter((s) => s);
      const all = [...ingress, ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** PORT(S): "80/TCP", "80:30080/TCP" with a node port; "<none>" without ports. */
export function servicePorts(svc: Service): string {
  const ports = (svc.spec?.ports ?? []).filter((p) => p);
  if (ports.length === 0) return '<none>';
  return ports.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? ''}` : `${p.port}/${p.protocol ?? ''}`)).join(',');
}

export function printService(svc: Service, now: Date): TableRow {
  const spec = svc.spec ?? {};
  const clusterIP = spec.type === 'ExternalName' ? '<none>' : spec.clusterIP || '<none>';
  return {
    cells: [svc.metadata.name ?? '', spec.type ?? '', clusterIP, externalIP(svc), servicePorts(svc), timestampAge(svc.metadata.creationTimestamp, now), formatLabels(spec.selector)],
  };
}

export const serviceTable = tableOf<Service>(serviceColumnDefinitions, printService);

export const endpointsColumnDefinitions = [nameColumn(), column('Endpoints', 'string', 'Endpoints of the service.'), ageColumn()];

/** formatEndpoints: up to three "ip:port" pairs, then " + N more...". */
export function formatEndpoints(ep: Endpoints): string {
  const list: string[] = [];
  let count = 0;
  const max = 3;
  for (const subset of ep.subsets ?? []) {
    const ports = subset?.ports?.length ? subset.ports : undefined;
    for (const addr of subset?.addresses ?? []) {
      for (const port of ports ?? [undefined]) {
        count++;
        if (list.length < max) list.push(port ? `${addr.ip}:${port.port}` : addr.ip);
      }
    }
  }
  if (count === 0) return '<none>';
  const text = list.join(',');
  return count > max ? `${text} + ${count - max} more...` : text;
}

export function printEndpoints(ep: Endpoints, now: Date): TableRow {
  return { cells: [ep.metadata.name ?? '', formatEndpoints(ep), timestampAge(ep.metadata.creationTimestamp, now)] };
}

export const endpointsTable = tableOf<Endpoints>(endpointsColumnDefinitions, printEndpoints);

export const endpointSliceColumnDefinitions = [
  nameColumn(),
  column('AddressType', 'string', 'The type of address carried by this EndpointSlice.'),
  column('Ports', 'string', 'The ports of this EndpointSlice.'),
  column('Endpoints', 'string', 'The addresses of this EndpointSlice.'),
  ageColumn(),
];

export function printEndpointSlice(slice: EndpointSlice, now: Date): TableRow {
  const ports = (slice.ports ?? []).filter((p) => p);
  const portText = ports.length === 0 ? '<unset>' : ports.map((p) => (p.port === undefined ? '<unset>' : String(p.port))).join(',');
  const addresses = (slice.endpoints ?? []).flatMap((e) => e?.addresses ?? []);
  let endpoints = addresses.length === 0 ? '<unset>' : addresses.slice(0, 3).join(',');
  if (addresses.length > 3) endpoints += ` + ${addresses.length - 3} more...`;
  return { cells: [slice.metadata.name ?? '', slice.addressType ?? '', portText, endpoints, timestampAge(slice.metadata.creationTimestamp, now)] };
}

export const endpointSliceTable = tableOf<EndpointSlice>(endpointSliceColumnDefinitions, printEndpointSlice);
