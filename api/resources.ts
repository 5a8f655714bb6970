// The resource types Skiff serves, described once for both sides: the API server builds its
// routes and discovery from these, clients build their URLs from them.

export interface ResourceType {
  /** '' for the core (legacy) group. */
  group: string;
  version: string;
  /** Plural, lower case: 'pods'. */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  subresources: string[];
  /** Only for types with fewer verbs than a stored resource (metrics.k8s.io: get, list). */
  verbs?: string[];
}

function type(
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  extra: { shortNames?: string[]; categories?: string[]; subresources?: string[] } = {},
): ResourceType {
  return {
    group,
    version,
    resource,
    singular: kind.toLowerCase(),
    kind,
    listKind: `${kind}List`,
    namespaced,
    shortNames: extra.shortNames ?? [],
    categories: extra.categories ?? [],
    subresources: extra.subresources ?? [],
  };
}

export const resources = {
  namespaces: type('', 'v1', 'namespaces', 'Namespace', false, { shortNames: ['ns'], subresources: ['status', 'finalize'] }),
  nodes: type('', 'v1', 'nodes', 'Node', false, { shortNames: ['no'], subresources: ['status', 'proxy'] }),
  pods: type('', 'v1', 'pods', 'Pod', true, {
    shortNames: ['po'],
    categories: ['all'],
    subresources: ['status', 'binding', 'eviction', 'log', 'exec'],
  }),
  events: type('', 'v1', 'events', 'Event', true, { shortNames: ['ev'] }),
  services: type('', 'v1', 'services', 'Service', true, { shortNames: ['svc'], categories: ['all'], subresources: ['status'] }),
  endpoints: type('', 'v1', 'endpoints', 'Endpoints', true, { shortNames: ['ep'] }),
  configmaps: type('', 'v1', 'configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  secrets: type('', 'v1', 'secrets', 'Secret', true),
  serviceaccounts: type('', 'v1', 'serviceaccounts', 'ServiceAccount', true, { shortNames: ['sa'] }),
  deployments: type('apps', 'v1', 'deployments', 'Deployment', true, { shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'] }),
  replicasets: type('apps', 'v1', 'replicasets', 'ReplicaSet', true, { shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'] }),
  daemonsets: type('apps', 'v1', 'daemonsets', 'DaemonSet', true, { shortNames: ['ds'], categories: ['all'], subresources: ['status'] }),
  controllerrevisions: type('apps', 'v1', 'controllerrevisions', 'ControllerRevision', true),
  jobs: type('batch', 'v1', 'jobs', 'Job', true, { categories: ['all'], subresources: ['status'] }),
  cronjobs: type('batch', 'v1', 'cronjobs', 'CronJob', true, { shortNames: ['cj'], categories: ['all'], subresources: ['status'] }),
  leases: type('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  endpointslices: type('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  poddisruptionbudgets: type('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, { shortNames: ['pdb'], subresources: ['status'] }),
} as const satisfies Record<string, ResourceType>;

export type ResourceName = keyof typeof resources;

export function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** "pods" or "leases.coordination.k8s.io", as Kubernetes names a resource in messages. */
export function groupResource(t: ResourceType): string {
  return t.group ? `${t.resource}.${t.group}` : t.resource;
}

export interface PathParts {
  namespace?: string | undefined;
  name?: string | undefined;
  subresource?: string | undefined;
}

export function resourcePath(t: ResourceType, parts: PathParts = {}): string {
  const base = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
  let path = base;
  if (t.namespaced && parts.namespace) path += `/namespaces/${encodeURIComponent(parts.namespace)}`;
  path += `/${t.resource}`;
  if (parts.name !== undefined) path += `/${encodeURIComponent(parts.name)}`;
  if (parts.subresource) path += `/${parts.subresource}`;
  return path;
}
