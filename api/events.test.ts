import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiClient } from './client.js';
import { createRecorder } from './events.js';
import type { KubeObject } from './types.js';

function fakeClient() {
  let inFlight = 0;
  let peak = 0;
  const created: string[] = [];
  const client = {
    create: async (_r: unknown, body: { message: string }) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      created.push(body.message);
      return body;
    },
    patch: async () => ({}),
  } as unknown as ApiClient;
  return { client, created, peak: () => peak };
}

const pod = (i: number): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, namespace: 'default', uid: `u${i}` } });

test('events go out at most four at a time, in order, and all of them', async () => {
  const f = fakeClient();
  const record = createRecorder(f.client, { component: 'test' });
  for (let i = 0; i < 50; i++) record(pod(i), 'Normal', 'Scheduled', `m${i}`);
  while (f.created.length < 50) await new Promise((r) => setTimeout(r, 5));
  assert.equal(f.peak(), 4);
  assert.deepEqual(f.created.slice(0, 4).sort(), ['m0', 'm1', 'm2', 'm3']);
});

test('beyond 1000 waiting, events are dropped rather than held', async () => {
  const f = fakeClient();
  const record = createRecorder(f.client, { component: 'test' });
  for (let i = 0; i < 1100; i++) record(pod(i), 'Normal', 'Scheduled', `m${i}`);
  while (f.created.length < 1004) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(f.created.length, 1004, 'four in flight plus a full queue of 1000');
});
