import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LABEL_POD_UID, type ContainerState, type ContainerSummary } from '../runtime.js';
import { diffContainers } from './container-events.js';

function c(id: string, state: ContainerState, uid = 'u1'): ContainerSummary {
  return { id, podSandboxId: 's', metadata: { name: id, attempt: 0 }, image: 'i', imageRef: 'r', state, createdAt: 1n, labels: { [LABEL_POD_UID]: uid }, annotations: {} };
}

test('state changes between two lists become the events that must have happened', () => {
  const before = new Map<string, ContainerState>([
    ['same', 'running'],
    ['starts', 'created'],
    ['dies', 'running'],
    ['gone', 'exited'],
  ]);
  const now = [c('same', 'running'), c('starts', 'running'), c('dies', 'exited'), c('new-running', 'running'), c('new-created', 'created'), c('brief', 'exited', 'u2')];
  const got = diffContainers(before, now).map((e) => `${e.containerId}:${e.type}:${e.podUid ?? ''}`);
  assert.deepEqual(got, [
    'starts:started:u1',
    'dies:stopped:u1',
    'new-running:created:u1',
    'new-running:started:u1',
    'new-created:created:u1',
    'brief:created:u2',
    'brief:started:u2',
    'brief:stopped:u2',
    'gone:deleted:',
  ]);
  assert.deepEqual(diffContainers(new Map([['x', 'exited']]), [c('x', 'exited')]), []);
});
