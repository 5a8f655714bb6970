// ProbeWorker thresholds and hand-offs on a fake clock: results publish only when the
// threshold turns them, readiness starts failed, liveness holds after a failure until a
// new container appears, and nothing but startup runs before the container has started.

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Container, ContainerStatus, Pod } from '../../../api/types.js';
import type { ProbeOutcome, ProbeResult } from './handlers.js';
import type { Probe, ProbeType } from './probe-types.js';
import { ProbeWorker, type WorkerHost } from './probe-worker.js';

class FakeHost implements WorkerHost {
  status: ContainerStatus = { name: 'main', state: { running: { startedAt: '2020-01-01T00:00:00Z' } }, lastState: {}, ready: false, restartCount: 0, image: 'x', imageID: '', containerID: 'docker://c1', started: true };
  script: ProbeResult[] = [];
  published: string[] = [];
  probes = 0;
  failures: string[] = [];
  hasResult(): boolean {
    return false;
  }
  observed(): { pod: Pod; podIP: string; statuses: ContainerStatus[] } {
    return { pod: { metadata: { name: 'p' }, spec: { containers: [] } }, podIP: '10.0.0.2', statuses: [this.status] };
  }
  setResult(type: ProbeType, _uid: string, containerId: string, result: ProbeResult | undefined): void {
    this.published.push(`${type}:${containerId}:${result ?? 'cleared'}`);
  }
  async probe(): Promise<ProbeOutcome> {
    this.probes++;
    const result = this.script.shift() ?? 'success';
    return { result, output: result === 'failure' ? 'nope' : '' };
  }
  probeFailed(_pod: Pod, type: ProbeType, _c: Container, output: string): void {
    this.failures.push(`${type}:${output}`);
  }
}

async function ticks(t: TestContext, n: number, periodMs: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    t.mock.timers.tick(i === 0 ? 0 : periodMs);
    // Let the probe's promise chain settle before the next tick.
    for (let j = 0; j < 5; j++) await new Promise((r) => setImmediate(r));
  }
}

function worker(host: FakeHost, type: ProbeType, probe: Probe): ProbeWorker {
  return new ProbeWorker(host, 'uid', { name: 'main', image: 'x' }, type, probe);
}

test('readiness: starts failed, needs successThreshold successes, failureThreshold failures', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const host = new FakeHost();
  host.script = ['success', 'success', 'failure', 'success', 'failure', 'failure'];
  const w = worker(host, 'readiness', { exec: { command: ['x'] }, periodSeconds: 1, successThreshold: 2, failureThreshold: 2 });
  w.start();
  await ticks(t, 6, 1000);
  w.stop();
  assert.equal(host.probes, 6);
  assert.deepEqual(host.published, ['readiness:c1:failure', 'readiness:c1:success', 'readiness:c1:failure', 'readiness:c1:cleared']);
  assert.deepEqual(host.failures, ['readiness:nope', 'readiness:nope', 'readiness:nope']);
});

test('liveness: starts passed, fails at the threshold, then holds until a new container', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const host = new FakeHost();
  host.script = ['failure', 'failure', 'failure', 'failure'];
  const w = worker(host, 'liveness', { exec: { command: ['x'] }, periodSeconds: 1, failureThreshold: 2 });
  w.start();
  await ticks(t, 4, 1000);
  assert.equal(host.probes, 2, 'no probing while on hold');
  assert.deepEqual(host.published, ['liveness:c1:success', 'liveness:c1:failure']);
  host.status = { ...host.status, containerID: 'docker://c2' };
  await ticks(t, 2, 1000);
  w.stop();
  assert.deepEqual(host.published.slice(2), ['liveness:c1:cleared', 'liveness:c2:success', 'liveness:c2:cleared']);
});

test('liveness waits for started and for initialDelaySeconds; startup stops once started', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const host = new FakeHost();
  host.status = { ...host.status, started: false };
  const live = worker(host, 'liveness', { exec: { command: ['x'] }, periodSeconds: 1 });
  live.start();
  await ticks(t, 3, 1000);
  assert.equal(host.probes, 0, 'liveness does not run before the startup probe passed');
  host.status = { ...host.status, started: true };
  await ticks(t, 4, 1000); // the first tick of the helper is the zero one
  live.stop();
  assert.equal(host.probes, 3, 'it runs once the container has started');
  host.probes = 0;
  host.status = { ...host.status, state: { running: { startedAt: new Date().toISOString() } } };
  const delayed = worker(host, 'liveness', { exec: { command: ['x'] }, periodSeconds: 1, initialDelaySeconds: 60 });
  delayed.start();
  await ticks(t, 3, 1000);
  delayed.stop();
  assert.equal(host.probes, 0, 'initialDelaySeconds counts from the container start');
  const startup = worker(host, 'startup', { exec: { command: ['x'] }, periodSeconds: 1 });
  startup.start();
  await ticks(t, 3, 1000);
  startup.stop();
  assert.equal(host.probes, 0, 'a started container is not startup-probed');
});
