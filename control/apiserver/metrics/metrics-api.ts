// metrics.k8s.io/v1beta1, served by the API server itself instead of an aggregated
// metrics-server: NodeMetrics and PodMetrics built from the usage summaries the agents send
// over their tunnels when asked (node-summaries.ts). Read-only: get and list, with label
// selectors, in the shapes `kubectl top` and client libraries read.

import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { errors } from '../../../api/errors.js';
import { parseLabelSelector } from '../../../api/labels.js';
import { runtimePodUid } from '../../../api/mirror-pod.js';
import type { ResourceType } from '../../../api/resources.js';
import { metaTime } from '../../../api/time.js';
import type { NodeStatsSummary, Usage } from '../../../api/tunnel/tunnel-protocol.js';
import type { KubeObject, Node, Pod } from '../../../api/types.js';
import { sendJson } from '../http/respond.js';
import type { ResourceStorage } from '../registry/storage.js';
import type { StreamOpener } from '../streaming/open-stream.js';
import { fetchSummaries } from './node-summaries.js';

export const METRICS_GROUP_VERSION = 'metrics.k8s.io/v1beta1';

function metricsType(resource: string, kind: string, namespaced: boolean): ResourceType {
  return { group: 'metrics.k8s.io', version: 'v1beta1', resource, singular: '', kind, listKind: `${kind}List`, namespaced, shortNames: [], categories: [], subresources: [], verbs: ['get', 'list'] };
}

/** For discovery only: these have no storage. */
export const metricsTypes: ResourceType[] = [metricsType('nodes', 'NodeMetrics', false), metricsType('pods', 'PodMetrics', true)];

const PATH = /^\/apis\/metrics\.k8s\.io\/v1beta1\/(?:nodes(?:\/([^/]+))?|(?:namespaces\/([^/]+)\/)?pods(?:\/([^/]+))?)$/;

interface MetricsPath {
  resource: 'nodes' | 'pods';
  namespace?: string;
  name?: string;
}

export function parseMetricsPath(path: string): MetricsPath | undefined {
  if (!path.startsWith('/apis/metrics.k8s.io/v1beta1/')) return undefined;
  const m = PATH.exec(path);
  if (!m) return undefined;
  const dec = (s: string | undefined) => (s === undefined ? undefined : decodeURIComponent(s));
  if (path.startsWith('/apis/metrics.k8s.io/v1beta1/nodes')) return { resource: 'nodes', ...(m[1] ? { name: dec(m[1])! } : {}) };
  return { resource: 'pods', ...(m[2] ? { namespace: dec(m[2])! } : {}), ...(m[3] ? { name: dec(m[3])! } : {}) };
}

/** CPU in nanocores and memory in KiB, as metrics-server writes them. */
function usage(u: Usage): { cpu: string; memory: string } {
  return { cpu: `${Math.max(0, Math.round(u.cpuNanoCores))}n`, memory: `${Math.max(0, Math.round(u.memoryWorkingSetBytes / 1024))}Ki` };
}

function window(s: NodeStatsSummary): string {
  return `${s.windowSeconds}s`;
}

export function nodeMetrics(node: Node, s: NodeStatsSummary): KubeObject {
  return {
    kind: 'NodeMetrics',
    apiVersion: METRICS_GROUP_VERSION,
    metadata: { name: node.metadata.name, creationTimestamp: metaTime(), ...(node.metadata.labels ? { labels: node.metadata.labels } : {}) },
    timestamp: metaTime(new Date(s.timestamp)),
    window: window(s),
    usage: usage(s.node),
  } as unknown as KubeObject;
}

export function podMetrics(pod: Pod, s: NodeStatsSummary): KubeObject | undefined {
  // A mirror pod is measured under its static pod's UID.
  const measured = s.pods.find((p) => p.uid === runtimePodUid(pod));
  if (!measured || measured.containers.length === 0) return undefined;
  return {
    kind: 'PodMetrics',
    apiVersion: METRICS_GROUP_VERSION,
    metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: metaTime(), ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}) },
    timestamp: metaTime(new Date(s.timestamp)),
    window: window(s),
    containers: measured.containers.map((c) => ({ name: c.name, usage: usage(c) })),
  } as unknown as KubeObject;
}

export interface MetricsApiOptions {
  tunnels: StreamOpener;
  nodes: () => ResourceStorage | undefined;
  pods: () => ResourceStorage | undefined;
  logger: Logger;
}

export class MetricsApi {
  constructor(private readonly o: MetricsApiOptions) {}

  async serve(res: ServerResponse, method: string, target: MetricsPath, query: URLSearchParams): Promise<void> {
    if (method !== 'GET' || query.get('watch') === 'true' || query.get('watch') === '1') {
      throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
    }
    const selector = parseLabelSelector(query.get('labelSelector') ?? '');
    if (target.resource === 'nodes') return sendJson(res, 200, await this.nodeMetrics(target, selector));
    return sendJson(res, 200, await this.podMetrics(target, selector));
  }

  private async nodeMetrics(target: MetricsPath, selector: ReturnType<typeof parseLabelSelector>): Promise<unknown> {
    const notFound = () => errors.notFound({ groupResource: 'nodemetrics.metrics.k8s.io', name: target.name ?? '' });
    const nodes = ((await this.storage(this.o.nodes).list(undefined, {})).items as Node[]).filter((n) => (target.name ? n.metadata.name === target.name : selector.matches(n.metadata.labels)));
    const summaries = await fetchSummaries(this.o.tunnels, nodes.map((n) => n.metadata.name ?? ''), this.o.logger);
    const items = nodes.flatMap((n) => {
      const s = summaries.get(n.metadata.name ?? '');
      return s ? [nodeMetrics(n, s)] : [];
    });
    if (target.name) {
      if (!items[0]) throw notFound();
      return items[0];
    }
    return { kind: 'NodeMetricsList', apiVersion: METRICS_GROUP_VERSION, metadata: {}, items };
  }

  private async podMetrics(target: MetricsPath, selector: ReturnType<typeof parseLabelSelector>): Promise<unknown> {
    const notFound = () => errors.notFound({ groupResource: 'podmetrics.metrics.k8s.io', name: target.name ?? '' });
    const pods = ((await this.storage(this.o.pods).list(target.namespace, {})).items as Pod[]).filter(
      (p) => !!p.spec.nodeName && p.status?.phase === 'Running' && (target.name ? p.metadata.name === target.name : selector.matches(p.metadata.labels)),
    );
    const nodeNames = [...new Set(pods.map((p) => p.spec.nodeName!))];
    const summaries = await fetchSummaries(this.o.tunnels, nodeNames, this.o.logger);
    const items = pods.flatMap((p) => {
      const s = summaries.get(p.spec.nodeName!);
      const m = s ? podMetrics(p, s) : undefined;
      return m ? [m] : [];
    });
    if (target.name) {
      if (!items[0]) throw notFound();
      return items[0];
    }
    return { kind: 'PodMetricsList', apiVersion: METRICS_GROUP_VERSION, metadata: {}, items };
  }

  private storage(get: () => ResourceStorage | undefined): ResourceStorage {
    const s = get();
    if (!s) throw errors.internal('metrics need the nodes and pods storage');
    return s;
  }
}
