// Service, Endpoints and EndpointSlice validation as Kubernetes' ValidateService /
// ValidateEndpoints / ValidateEndpointSlice do it for the fields Skiff uses: names,
// ports, types and the ClusterIP / headless / ExternalName shapes. Addresses are not
// allocated yet, so a set clusterIP is only checked for its form.

import { isIP } from 'node:net';
import type { EndpointSlice, Endpoints, Service, ServicePort } from '../service-types.js';
import { duplicate, forbidden, invalid, notSupported, required, type FieldError } from './field-error.js';
import { isDNS1123Label, isDNS1123Subdomain, isValidPortName, isValidPortNum } from './names.js';
import { validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] as const;
export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;
const IP_MSG = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

function portNumber(value: unknown, field: string): FieldError[] {
  const n = typeof value === 'number' ? value : NaN;
  return isValidPortNum(n).map((msg) => invalid(field, value, msg));
}

function protocol(value: string | undefined, field: string): FieldError[] {
  if (value === undefined) return [required(field)];
  return (PROTOCOLS as readonly string[]).includes(value) ? [] : [notSupported(field, value, PROTOCOLS)];
}

function servicePort(p: ServicePort, i: number, many: boolean, type: string): FieldError[] {
  const f = `spec.ports[${i}]`;
  const errs: FieldError[] = [];
  if (!p || typeof p !== 'object') return [required(f)];
  if (many && !p.name) errs.push(required(`${f}.name`));
  // Service port names are DNS labels ("80-8080" is fine); only targetPort names are IANA service names.
  else if (p.name) errs.push(...isDNS1123Label(p.name).map((m) => invalid(`${f}.name`, p.name, m)));
  errs.push(...portNumber(p.port, `${f}.port`));
  errs.push(...protocol(p.protocol, `${f}.protocol`));
  if (typeof p.targetPort === 'number') errs.push(...portNumber(p.targetPort, `${f}.targetPort`));
  else if (typeof p.targetPort === 'string') errs.push(...isValidPortName(p.targetPort).map((m) => invalid(`${f}.targetPort`, p.targetPort, m)));
  if (p.nodePort !== undefined && p.nodePort !== 0) {
    if (type === 'ClusterIP' || type === 'ExternalName') errs.push(forbidden(`${f}.nodePort`, `may not be used when \`type\` is '${type}'`));
    else errs.push(...portNumber(p.nodePort, `${f}.nodePort`));
  }
  return errs;
}

export function validateService(svc: Service): FieldError[] {
  const errs = validateObjectMeta(svc.metadata ?? {}, { namespaced: true, nameRule: 'dns1035' });
  const spec = svc.spec ?? {};
  const type = spec.type ?? '';
  if (!(SERVICE_TYPES as readonly string[]).includes(type)) errs.push(notSupported('spec.type', type, SERVICE_TYPES));
  const ports = spec.ports ?? [];
  const headless = spec.clusterIP === 'None';
  if (type === 'ExternalName') {
    const name = spec.externalName ?? '';
    if (!name) errs.push(required('spec.externalName'));
    else errs.push(...isDNS1123Subdomain(name.replace(/\.$/, '')).map((m) => invalid('spec.externalName', name, m)));
    if (spec.clusterIP) errs.push(forbidden('spec.clusterIP', 'may not be set for ExternalName services'));
  } else if (ports.length === 0 && !headless) {
    errs.push(required('spec.ports'));
  }
  const names = new Set<string>();
  const keys = new Set<string>();
  ports.forEach((p, i) => {
    errs.push(...servicePort(p, i, ports.length > 1, type));
    if (!p || typeof p !== 'object') return;
    if (p.name) {
      if (names.has(p.name)) errs.push(duplicate(`spec.ports[${i}].name`, p.name));
      names.add(p.name);
    }
    const key = `${p.port}/${p.protocol}`;
    if (keys.has(key)) errs.push(duplicate(`spec.ports[${i}]`, `${p.port}/${p.protocol ?? ''}`));
    keys.add(key);
  });
  if (spec.clusterIP && !headless && !isIP(spec.clusterIP)) errs.push(invalid('spec.clusterIPs[0]', spec.clusterIP, IP_MSG));
  if (headless && (type === 'NodePort' || type === 'LoadBalancer')) {
    errs.push(invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${type} services`));
  }
  (spec.externalIPs ?? []).forEach((ip, i) => {
    if (!isIP(ip)) errs.push(invalid(`spec.externalIPs[${i}]`, ip, IP_MSG));
  });
  if (spec.sessionAffinity !== undefined && !['ClientIP', 'None'].includes(spec.sessionAffinity)) {
    errs.push(notSupported('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']));
  }
  if (spec.internalTrafficPolicy !== undefined && !['Cluster', 'Local'].includes(spec.internalTrafficPolicy)) {
    errs.push(notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, ['Cluster', 'Local']));
  }
  if (spec.externalTrafficPolicy !== undefined) {
    if (type !== 'NodePort' && type !== 'LoadBalancer') {
      errs.push(invalid('spec.externalTrafficPolicy', spec.externalTrafficPolicy, 'may only be set when `type` is \'NodePort\' or \'LoadBalancer\''));
    } else if (!['Cluster', 'Local'].includes(spec.externalTrafficPolicy)) {
      errs.push(notSupported('spec.externalTrafficPolicy', spec.externalTrafficPolicy, ['Cluster', 'Local']));
    }
  }
  if (spec.ipFamilyPolicy !== undefined && !['SingleStack', 'PreferDualStack', 'RequireDualStack'].includes(spec.ipFamilyPolicy)) {
    errs.push(notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, ['PreferDualStack', 'RequireDualStack', 'SingleStack']));
  }
  (spec.ipFamilies ?? []).forEach((fam, i) => {
    if (fam !== 'IPv4' && fam !== 'IPv6') errs.push(notSupported(`spec.ipFamilies[${i}]`, fam, ['IPv4', 'IPv6']));
  });
  errs.push(...validateLabels(spec.selector ?? undefined, 'spec.selector'));
  return errs;
}

/** spec.clusterIP may not change once set, except when the type moves to or from ExternalName. */
export function validateServiceUpdate(next: Service, old: Service): FieldError[] {
  const errs = validateObjectMetaUpdate(next.metadata ?? {}, old.metadata ?? {});
  const externalName = next.spec?.type === 'ExternalName' || old.spec?.type === 'ExternalName';
  const before = old.spec?.clusterIP ?? '';
  const after = next.spec?.clusterIP ?? '';
  if (!externalName && before !== '' && after !== before) errs.push(invalid('spec.clusterIPs[0]', after ? [after] : null, 'may not change once set'));
  return errs;
}

export function validateEndpoints(ep: Endpoints): FieldError[] {
  const errs = validateObjectMeta(ep.metadata ?? {}, { namespaced: true, nameRule: 'subdomain' });
  (ep.subsets ?? []).forEach((subset, i) => {
    const f = `subsets[${i}]`;
    for (const key of ['addresses', 'notReadyAddresses'] as const) {
      (subset?.[key] ?? []).forEach((a, j) => {
        if (!a?.ip) errs.push(required(`${f}.${key}[${j}].ip`));
        else if (!isIP(a.ip)) errs.push(invalid(`${f}.${key}[${j}].ip`, a.ip, IP_MSG));
      });
    }
    const ports = subset?.ports ?? [];
    ports.forEach((p, j) => {
      if (ports.length > 1 && !p?.name) errs.push(required(`${f}.ports[${j}].name`));
      else if (p?.name) errs.push(...isDNS1123Label(p.name).map((m) => invalid(`${f}.ports[${j}].name`, p.name, m)));
      errs.push(...portNumber(p?.port, `${f}.ports[${j}].port`));
      errs.push(...protocol(p?.protocol, `${f}.ports[${j}].protocol`));
    });
  });
  return errs;
}

export function validateEndpointSlice(slice: EndpointSlice): FieldError[] {
  const errs = validateObjectMeta(slice.metadata ?? {}, { namespaced: true, nameRule: 'subdomain' });
  const types = ['FQDN', 'IPv4', 'IPv6'];
  if (!slice.addressType) errs.push(required('addressType'));
  else if (!types.includes(slice.addressType)) errs.push(notSupported('addressType', slice.addressType, types));
  (slice.endpoints ?? []).forEach((e, i) => {
    const addrs = e?.addresses ?? [];
    if (addrs.length === 0) errs.push(required(`endpoints[${i}].addresses`, 'must contain at least 1 address'));
    addrs.forEach((a, j) => {
      if ((slice.addressType === 'IPv4' && isIP(a) !== 4) || (slice.addressType === 'IPv6' && isIP(a) !== 6)) {
        errs.push(invalid(`endpoints[${i}].addresses[${j}]`, a, `must be a valid ${slice.addressType} address`));
      }
    });
  });
  (slice.ports ?? []).forEach((p, i) => {
    if (p?.port !== undefined) errs.push(...portNumber(p.port, `ports[${i}].port`));
    if (p?.protocol !== undefined) errs.push(...protocol(p.protocol, `ports[${i}].protocol`));
  });
  return errs;
}
