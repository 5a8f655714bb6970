import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../../api/types.js';
import { kernelHostname, podHostnameAndDomain, PodIdentityError } from './hostname.js';

const pod = (name: string, spec: Record<string, unknown> = {}): Pod => ({ metadata: { name, namespace: 'ns' }, spec: { containers: [], ...spec } });

test('hostname: the pod name, or spec.hostname; the domain only with a subdomain', () => {
  assert.deepEqual(podHostnameAndDomain(pod('web'), 'cluster.local'), { hostname: 'web', hostDomain: '' });
  assert.deepEqual(podHostnameAndDomain(pod('web', { hostname: 'h', subdomain: 's' }), 'cluster.local'), { hostname: 'h', hostDomain: 's.ns.svc.cluster.local' });
  assert.deepEqual(podHostnameAndDomain(pod('web', { subdomain: 's' }), 'example.org'), { hostname: 'web', hostDomain: 's.ns.svc.example.org' });
});

test('hostname: a pod name over 63 characters is cut, trailing - and . dropped', () => {
  assert.equal(podHostnameAndDomain(pod(`${'a'.repeat(61)}.-bcd`), 'c').hostname, 'a'.repeat(61));
  assert.equal(podHostnameAndDomain(pod('a'.repeat(63)), 'c').hostname, 'a'.repeat(63));
});

test('hostname: invalid labels are the kubelet\'s errors', () => {
  assert.throws(() => podHostnameAndDomain(pod('p', { hostname: 'Bad_Host' }), 'c'), (e: Error) => e instanceof PodIdentityError && /^pod Hostname "Bad_Host" is not a valid DNS label: /.test(e.message));
  assert.throws(() => podHostnameAndDomain(pod('p', { subdomain: 'a.b' }), 'c'), /pod Subdomain "a.b" is not a valid DNS label: must not contain dots/);
});

test('setHostnameAsFQDN: the FQDN only with a domain, at most 64 characters', () => {
  assert.equal(kernelHostname({ hostname: 'h', hostDomain: 's.ns.svc.cluster.local' }, true), 'h.s.ns.svc.cluster.local');
  assert.equal(kernelHostname({ hostname: 'h', hostDomain: 's.ns.svc.cluster.local' }, false), 'h');
  assert.equal(kernelHostname({ hostname: 'h', hostDomain: '' }, true), 'h');
  const long = { hostname: 'a'.repeat(42), hostDomain: 's.ns.svc.cluster.local' };
  assert.equal(kernelHostname({ ...long, hostname: 'a'.repeat(41) }, true).length, 64);
  assert.throws(() => kernelHostname(long, true), {
    message: `failed to construct FQDN from pod hostname and cluster domain, FQDN ${'a'.repeat(42)}.s.ns.svc.cluster.local is too long (64 characters is the max, 65 characters requested)`,
  });
});
