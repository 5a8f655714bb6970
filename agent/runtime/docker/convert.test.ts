import { test } from 'node:test';
import assert from 'node:assert/strict';
import type Dockerode from 'dockerode';
import { containerFromInspect, containerStateOf, exitReason, parseDockerTime } from './convert.js';

test('parseDockerTime: RFC3339Nano to bigint nanoseconds, zero time to 0n', () => {
  const cases: Array<[string | undefined, bigint]> = [
    ['2024-03-01T12:00:00.123456789Z', 1709294400123456789n],
    ['2024-03-01T12:00:00.5Z', 1709294400500000000n],
    ['2024-03-01T12:00:00Z', 1709294400000000000n],
    ['2024-03-01T13:00:00.000000001+01:00', 1709294400000000001n],
    ['0001-01-01T00:00:00Z', 0n],
    ['', 0n],
    [undefined, 0n],
    ['yesterday', 0n],
  ];
  for (const [input, want] of cases) assert.equal(parseDockerTime(input), want, String(input));
});

test('containerStateOf maps every Docker state', () => {
  assert.deepEqual(
    ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead', 'weird'].map(containerStateOf),
    ['created', 'running', 'running', 'running', 'unknown', 'exited', 'exited', 'unknown'],
  );
});

type State = Dockerode.ContainerInspectInfo['State'];
const state = (over: Partial<State>): State => ({
  Status: 'exited', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0, ExitCode: 0, Error: '',
  StartedAt: '2024-03-01T12:00:01Z', FinishedAt: '2024-03-01T12:00:02Z', ...over,
});

test('exitReason: OOMKilled, Completed, Error, and nothing while not exited', () => {
  assert.equal(exitReason(state({ OOMKilled: true, ExitCode: 137 })), 'OOMKilled');
  assert.equal(exitReason(state({ ExitCode: 0 })), 'Completed');
  assert.equal(exitReason(state({ ExitCode: 3 })), 'Error');
  assert.equal(exitReason(state({ Status: 'running', Running: true })), '');
  assert.equal(exitReason(state({ Status: 'created', ExitCode: 127, Error: 'exec: "nope": not found' })), '');
});

test('containerFromInspect: metadata from labels, finishedAt never before startedAt', () => {
  const info = {
    Id: 'abc',
    Created: '2024-03-01T12:00:00Z',
    Image: 'sha256:1111',
    Config: {
      Image: 'busybox:1',
      Labels: {
        'io.kubernetes.sandbox.id': 'sbx',
        'io.kubernetes.container.name': 'app',
        'io.skiff.attempt': '4',
        'io.skiff.node.name': 'n1',
        'io.skiff.label.tier': 'web',
        'io.skiff.annotation.io.kubernetes.container.restartCount': '4',
        'from.the.image': 'x',
      },
    },
    // Docker stamped the start after the (instant) exit.
    State: state({ StartedAt: '2024-03-01T12:00:01.000000500Z', FinishedAt: '2024-03-01T12:00:01.000000100Z', ExitCode: 1 }),
  } as unknown as Dockerode.ContainerInspectInfo;
  const s = containerFromInspect(info);
  assert.equal(s.podSandboxId, 'sbx');
  assert.deepEqual(s.metadata, { name: 'app', attempt: 4 });
  assert.deepEqual(s.labels, { tier: 'web', 'io.kubernetes.container.name': 'app' });
  assert.deepEqual(s.annotations, { 'io.kubernetes.container.restartCount': '4' });
  assert.equal(s.image, 'busybox:1');
  assert.equal(s.imageRef, 'sha256:1111');
  assert.equal(s.finishedAt, s.startedAt);
  assert.equal(s.reason, 'Error');
});
