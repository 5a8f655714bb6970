// Helpers shared by the kubelet integration tests: pod manifests with the fields the
// kubelet tests need (probes, init containers, hooks), and the events of one pod.

import { resources } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import type { TestCluster } from './lib/cluster.js';

export interface KubeEvent extends KubeObject {
  involvedObject: { name?: string; uid?: string; fieldPath?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
}

export async function podEvents(cluster: TestCluster, podName: string): Promise<KubeEvent[]> {
  const list = await cluster.client.list<KubeEvent>(resources.events, { namespace: 'default' });
  return list.items.filter((e) => e.involvedObject.name === podName);
}

/** A pod manifest (JSON is YAML) from a spec written in the test. */
export function podYaml(name: string, spec: Record<string, unknown>): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } }, spec: { terminationGracePeriodSeconds: 2, ...spec } });
}
