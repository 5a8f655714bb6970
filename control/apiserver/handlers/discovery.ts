// Discovery documents (/api, /apis, /api/v1, /apis/<group>/<version>) and /version, built
// from the registered resource types, with the verbs and subresources Kubernetes lists;
// and aggregated discovery (apidiscovery.k8s.io v2 / v2beta1), where /api and /apis answer
// every group, version and resource in one document when the client's Accept asks for it.

import { apiVersionOf, type ResourceType } from '../../../api/resources.js';

export const kubernetesVersion = { major: '1', minor: '33', gitVersion: 'v1.33.0' };

export function versionInfo(skiffVersion: string) {
  return {
    major: kubernetesVersion.major,
    minor: kubernetesVersion.minor,
    gitVersion: `${kubernetesVersion.gitVersion}+skiff${skiffVersion}`,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '1970-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'tsc',
    platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function subresourceEntry(t: ResourceType, sub: string) {
  switch (sub) {
    case 'status':
      return { name: `${t.resource}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] };
    case 'binding':
      return { name: `${t.resource}/binding`, singularName: '', namespaced: t.namespaced, kind: 'Binding', verbs: ['create'] };
    case 'finalize':
      return { name: `${t.resource}/finalize`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['update'] };
    case 'eviction':
      return { name: `${t.resource}/eviction`, singularName: '', namespaced: t.namespaced, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] };
    case 'log':
      return { name: `${t.resource}/log`, singularName: '', namespaced: t.namespaced, kind: 'Pod', verbs: ['get'] };
    case 'exec':
      return { name: `${t.resource}/exec`, singularName: '', namespaced: t.namespaced, kind: 'PodExecOptions', verbs: ['create', 'get'] };
    case 'scale':
      return { name: `${t.resource}/scale`, singularName: '', namespaced: t.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] };
    case 'proxy':
      return { name: `${t.resource}/proxy`, singularName: '', namespaced: t.namespaced, kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] };
    default:
      return { name: `${t.resource}/${sub}`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get'] };
  }
}

/** Namespaces cannot be deleted as a collection; everything else has every verb. */
function verbsOf(t: ResourceType): string[] {
  if (t.verbs) return t.verbs;
  return t.resource === 'namespaces' ? allVerbs.filter((v) => v !== 'deletecollection') : allVerbs;
}

export function resourceList(groupVersion: string, types: ResourceType[]) {
  const resources: unknown[] = [];
  for (const t of types) {
    const entry: Record<string, unknown> = {
      name: t.resource,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: verbsOf(t),
    };
    if (t.shortNames.length) entry['shortNames'] = t.shortNames;
    if (t.categories.length) entry['categories'] = t.categories;
    resources.push(entry);
    for (const sub of t.subresources) resources.push(subresourceEntry(t, sub));
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

export function groupVersions(types: ResourceType[]): Map<string, ResourceType[]> {
  const byGV = new Map<string, ResourceType[]>();
  for (const t of types) {
    const gv = apiVersionOf(t);
    byGV.set(gv, [...(byGV.get(gv) ?? []), t]);
  }
  return byGV;
}

export function apiVersions(serverAddress: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupList(types: ResourceType[]) {
  const groups = new Map<string, string[]>();
  for (const t of types) {
    if (!t.group) continue;
    const versions = groups.get(t.group) ?? [];
    if (!versions.includes(t.version)) versions.push(t.version);
    groups.set(t.group, versions);
  }
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => ({
      name,
      versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
    })),
  };
}

export function apiGroup(types: ResourceType[], group: string) {
  const list = apiGroupList(types).groups.find((g) => g.name === group);
  return list ? { kind: 'APIGroup', apiVersion: 'v1', ...list } : undefined;
}

// ---- aggregated discovery -------------------------------------------------------------------

export type AggregatedDiscoveryVersion = 'v2' | 'v2beta1';

export const AGGREGATED_DISCOVERY_GROUP = 'apidiscovery.k8s.io';

export function aggregatedContentType(version: AggregatedDiscoveryVersion): string {
  return `application/json;g=${AGGREGATED_DISCOVERY_GROUP};v=${version};as=APIGroupDiscoveryList`;
}

/**
 * Which aggregated discovery version the Accept header asks for, taking the first media
 * range the server can serve: kubectl sends v2, then v2beta1 (1.27: v2beta1 only), then
 * plain application/json, which means the legacy documents (undefined here).
 */
export function negotiateAggregated(accept: string | undefined): AggregatedDiscoveryVersion | undefined {
  for (const range of (accept ?? '').split(',')) {
    const [type, ...params] = range.split(';').map((p) => p.trim());
    const map = new Map(
      params.map((p) => {
        const eq = p.indexOf('=');
        return [p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim()] as const;
      }),
    );
    const mediaType = (type ?? '').toLowerCase();
    const json = mediaType === 'application/json' || mediaType === '*/*' || mediaType === 'application/*';
    if (!json) continue;
    if (map.get('g') === AGGREGATED_DISCOVERY_GROUP && map.get('as') === 'APIGroupDiscoveryList') {
      const v = map.get('v');
      if (v === 'v2' || v === 'v2beta1') return v;
      continue;
    }
    if (!map.has('as')) return undefined;
  }
  return undefined;
}

function responseKind(group: string, version: string, kind: string) {
  return { group, version, kind };
}

function aggregatedResource(t: ResourceType) {
  const entry: Record<string, unknown> = {
    resource: t.resource,
    responseKind: responseKind(t.group, t.version, t.kind),
    scope: t.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: t.singular,
    verbs: verbsOf(t),
  };
  if (t.shortNames.length) entry['shortNames'] = t.shortNames;
  if (t.categories.length) entry['categories'] = t.categories;
  if (t.subresources.length) {
    entry['subresources'] = t.subresources.map((sub) => {
      const legacy = subresourceEntry(t, sub) as { kind: string; verbs: string[]; group?: string; version?: string };
      return {
        subresource: sub,
        responseKind: responseKind(legacy.group ?? t.group, legacy.version ?? t.version, legacy.kind),
        verbs: legacy.verbs,
      };
    });
  }
  return entry;
}

/**
 * The APIGroupDiscoveryList for /api (scope 'core': the legacy group only) or /apis
 * (every named group), groups and versions in registration order.
 */
export function aggregatedDiscovery(types: ResourceType[], scope: 'core' | 'groups', version: AggregatedDiscoveryVersion) {
  const groups = new Map<string, Map<string, ResourceType[]>>();
  for (const t of types) {
    if ((t.group === '') !== (scope === 'core')) continue;
    const versions = groups.get(t.group) ?? new Map<string, ResourceType[]>();
    versions.set(t.version, [...(versions.get(t.version) ?? []), t]);
    groups.set(t.group, versions);
  }
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `${AGGREGATED_DISCOVERY_GROUP}/${version}`,
    metadata: {},
    items: [...groups].map(([group, versions]) => ({
      metadata: group ? { name: group, creationTimestamp: null } : { creationTimestamp: null },
      versions: [...versions].map(([v, list]) => ({ version: v, resources: list.map(aggregatedResource), freshness: 'Current' })),
    })),
  };
}
