import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resources } from '../../../api/resources.js';
import { aggregatedDiscovery, negotiateAggregated, resourceList } from './discovery.js';

test('aggregated discovery is chosen by the first acceptable media range', () => {
  const v2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
  const v2beta1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';
  assert.equal(negotiateAggregated(`${v2},${v2beta1},application/json`), 'v2');
  assert.equal(negotiateAggregated(`${v2beta1},application/json`), 'v2beta1');
  assert.equal(negotiateAggregated('application/json'), undefined);
  assert.equal(negotiateAggregated(undefined), undefined);
  assert.equal(negotiateAggregated(`application/json, ${v2}`), undefined, 'legacy listed first wins');
  assert.equal(negotiateAggregated(`application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,${v2beta1}`), 'v2beta1');
  assert.equal(negotiateAggregated(`application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,${v2}`), 'v2');
});

test('core and named groups are split between /api and /apis', () => {
  const all = Object.values(resources);
  const core = aggregatedDiscovery(all, 'core', 'v2');
  assert.equal(core.items.length, 1);
  assert.deepEqual(core.items[0]!.metadata, { creationTimestamp: null });
  const groups = aggregatedDiscovery(all, 'groups', 'v2beta1');
  assert.equal(groups.apiVersion, 'apidiscovery.k8s.io/v2beta1');
  assert.deepEqual(
    groups.items.map((g) => g.metadata.name),
    ['apps', 'batch', 'coordination.k8s.io', 'discovery.k8s.io', 'policy'],
  );
  const pods = core.items[0]!.versions[0]!.resources.find((r) => r['resource'] === 'pods')!;
  assert.equal(pods['scope'], 'Namespaced');
  const nodes = core.items[0]!.versions[0]!.resources.find((r) => r['resource'] === 'nodes')!;
  assert.equal(nodes['scope'], 'Cluster');
});

test('legacy lists name the scale subresource with its autoscaling kind', () => {
  const list = resourceList('apps/v1', [resources.deployments, resources.daemonsets]);
  const names = list.resources.map((r) => (r as { name: string }).name);
  assert.deepEqual(names, ['deployments', 'deployments/status', 'deployments/scale', 'daemonsets', 'daemonsets/status']);
  const first = list.resources[0] as Record<string, unknown>;
  assert.deepEqual([first['shortNames'], first['categories']], [['deploy'], ['all']]);
});
