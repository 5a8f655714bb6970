// Discovery documents (/api, /apis, /api/v1, /apis/<group>/<version>) and /version, built
// from the registered resource types, with the verbs and subresources Kubernetes lists.

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
    case 'log':
      return { name: `${t.resource}/log`, singularName: '', namespaced: t.namespaced, kind: 'Pod', verbs: ['get'] };
    case 'exec':
      return { name: `${t.resource}/exec`, singularName: '', namespaced: t.namespaced, kind: 'PodExecOptions', verbs: ['create', 'get'] };
    case 'proxy':
      return { name: `${t.resource}/proxy`, singularName: '', namespaced: t.namespaced, kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] };
    default:
      return { name: `${t.resource}/${sub}`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get'] };
  }
}

export function resourceList(groupVersion: string, types: ResourceType[]) {
  const resources: unknown[] = [];
  for (const t of types) {
    const entry: Record<string, unknown> = {
      name: t.resource,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.resource === 'namespaces' ? allVerbs.filter((v) => v !== 'deletecollection') : allVerbs,
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
