import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Service } from '../../../../api/service-types.js';
import { ServiceAllocator } from './service-allocator.js';

const svc = (name: string, spec: Service['spec']): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec });

test('a /29 hands out its 5 addresses after the reserved first, then answers range full', () => {
  const a = new ServiceAllocator('10.9.0.0/29', '30000-30002');
  assert.equal(a.ips.kubernetesIP, '10.9.0.1');
  const seen = new Set<string>();
  for (let i = 0; i < 5; i++) {
    const s = svc(`s${i}`, { ports: [{ port: 80 }] });
    a.allocate(s, undefined).commit();
    assert.ok(s.spec.clusterIP && !seen.has(s.spec.clusterIP) && s.spec.clusterIP !== '10.9.0.1' && /^10\.9\.0\.[2-6]$/.test(s.spec.clusterIP), s.spec.clusterIP);
    seen.add(s.spec.clusterIP);
  }
  assert.throws(() => a.allocate(svc('full', {}), undefined), /failed to allocate a serviceIP: range is full/);
  a.release(svc('x', { clusterIP: '10.9.0.4' }));
  const again = svc('again', {});
  a.allocate(again, undefined);
  assert.equal(again.spec.clusterIP, '10.9.0.4');
});

test('requested IPs and node ports: taken or out of range → 422 texts, nothing held after a rejection', () => {
  const a = new ServiceAllocator('10.9.0.0/24', '30000-30002');
  a.allocate(svc('a', { clusterIP: '10.9.0.10', type: 'NodePort', ports: [{ port: 80, nodePort: 30001 }] }), undefined);
  assert.throws(() => a.allocate(svc('b', { clusterIP: '10.9.0.10' }), undefined), /spec.clusterIPs\[0\]: Invalid value: "10.9.0.10": provided IP is already allocated/);
  assert.throws(() => a.allocate(svc('b', { clusterIP: '10.8.0.1' }), undefined), /provided IP is not in the valid range. The range of valid IPs is 10.9.0.0\/24/);
  // The IP is fine but the port is taken: the IP must be given back.
  assert.throws(
    () => a.allocate(svc('b', { clusterIP: '10.9.0.11', type: 'NodePort', ports: [{ port: 80 }, { port: 81, nodePort: 30001 }] }), undefined),
    /spec.ports\[1\].nodePort: Invalid value: 30001: provided port is already allocated/,
  );
  assert.equal(a.ips.has('10.9.0.11'), false);
  assert.equal(a.ports.has(30000) || a.ports.has(30002), false);
  assert.throws(() => a.allocate(svc('b', { type: 'NodePort', ports: [{ port: 80, nodePort: 40000 }] }), undefined), /The range of valid ports is 30000-30002/);
  assert.throws(() => a.allocate(svc('c', { type: 'NodePort', ports: [{ port: 1 }, { port: 2 }, { port: 3 }] }), undefined), /failed to allocate a nodePort: range is full/);
  assert.equal(a.ports.has(30000) || a.ports.has(30002), false, 'a failed allocation gives back the ports it took');
});

test('headless and ExternalName take nothing; update keeps IP and ports, type change back to ClusterIP releases the ports', () => {
  const a = new ServiceAllocator('10.9.0.0/24', '30000-30010');
  const headless = svc('h', { clusterIP: 'None' });
  a.allocate(headless, undefined);
  assert.equal(headless.spec.clusterIP, 'None');
  const ext = svc('e', { type: 'ExternalName', externalName: 'x.example' });
  a.allocate(ext, undefined);
  assert.equal(ext.spec.clusterIP, undefined);
  assert.equal(a.ips.allocatedCount, 0);
  const np = svc('n', { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP' }] });
  a.allocate(np, undefined).commit();
  const port = np.spec.ports![0]!.nodePort!;
  const ip = np.spec.clusterIP!;
  const upd = svc('n', { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP' }] });
  a.allocate(upd, np).commit();
  assert.equal(upd.spec.clusterIP, ip);
  assert.equal(upd.spec.ports![0]!.nodePort, port);
  const back = svc('n', { type: 'ClusterIP', clusterIP: ip, ports: [{ port: 80, protocol: 'TCP', nodePort: port }] });
  a.allocate(back, upd).commit();
  assert.equal(back.spec.ports![0]!.nodePort, undefined);
  assert.equal(a.ports.has(port), false);
  assert.equal(a.ips.has(ip), true);
});

test('restore marks stored holdings so they are never handed out again', () => {
  const a = new ServiceAllocator('10.9.0.0/29', '30000-30000');
  assert.deepEqual(a.restore(svc('k', { clusterIP: '10.9.0.1' })), []);
  for (const ip of ['10.9.0.2', '10.9.0.3', '10.9.0.4', '10.9.0.5']) a.restore(svc(ip, { clusterIP: ip }));
  a.restore(svc('np', { type: 'NodePort', clusterIP: '10.9.0.6', ports: [{ port: 1, nodePort: 30000 }] }));
  assert.throws(() => a.allocate(svc('x', {}), undefined), /range is full/);
  assert.throws(() => a.allocate(svc('y', { clusterIP: 'None', type: 'NodePort', ports: [{ port: 1 }] }), undefined), /nodePort: range is full/);
  assert.deepEqual(a.restore(svc('dup', { clusterIP: '10.9.0.2' })), ['clusterIP 10.9.0.2']);
});
