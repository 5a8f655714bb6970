// Container choice and the kubelet's log-status refusals, table-driven; PodLogOptions and
// PodExecOptions validation.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from '../../../api/errors.js';
import type { ContainerStatus, Pod } from '../../../api/types.js';
import { exitStatus, parseExecOptions, pickChannelProtocol } from './exec-handler.js';
import { parseLogOptions } from './log-handler.js';
import { chooseContainer, logContainerId } from './pod-container.js';

function pod(names: string[], statuses: Partial<ContainerStatus>[] = [], init: string[] = []): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: { containers: names.map((name) => ({ name, image: 'i' })), ...(init.length ? { initContainers: init.map((name) => ({ name, image: 'i' })) } : {}) },
    status: { containerStatuses: statuses.map((s) => ({ name: 'c', ready: false, restartCount: 0, image: 'i', imageID: '', state: {}, lastState: {}, ...s })) },
  } as Pod;
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 400);
    return err.message;
  }
  return 'no error';
}

describe('chooseContainer', () => {
  test('the only container is the default; several need a name', () => {
    assert.equal(chooseContainer(pod(['a']), null), 'a');
    assert.equal(chooseContainer(pod(['a', 'b']), 'b'), 'b');
    assert.equal(message(() => chooseContainer(pod(['a', 'b']), null)), 'a container name must be specified for pod p, choose one of: [a b]');
    assert.equal(
      message(() => chooseContainer(pod(['a', 'b'], [], ['init1']), '')),
      'a container name must be specified for pod p, choose one of: [a b] or one of the init containers: [init1]',
    );
    assert.equal(message(() => chooseContainer(pod(['a']), 'x')), 'container x is not valid for pod p');
    assert.equal(chooseContainer(pod(['a'], [], ['init1']), 'init1'), 'init1');
  });
});

describe('logContainerId (the kubelet’s checks)', () => {
  const cases: { name: string; status: Partial<ContainerStatus> | undefined; previous?: boolean; want: string }[] = [
    { name: 'running', status: { state: { running: { startedAt: 't' } }, containerID: 'docker://run' }, want: 'docker://run' },
    { name: 'terminated', status: { state: { terminated: { exitCode: 0, containerID: 'docker://t' } } }, want: 'docker://t' },
    { name: 'crash-looping reads the last run', status: { state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, containerID: 'docker://last' } } }, want: 'docker://last' },
    { name: 'previous', status: { state: { running: {} }, lastState: { terminated: { exitCode: 1, containerID: 'docker://prev' } } }, previous: true, want: 'docker://prev' },
    { name: 'no previous', status: { state: { running: {} } }, previous: true, want: 'error: previous terminated container "c" in pod "p" not found' },
    { name: 'creating', status: { state: { waiting: { reason: 'ContainerCreating' } } }, want: 'error: container "c" in pod "p" is waiting to start: ContainerCreating' },
    { name: 'pull failed', status: { state: { waiting: { reason: 'ErrImagePull' } } }, want: 'error: container "c" in pod "p" is waiting to start: image can\'t be pulled' },
    { name: 'pull backoff', status: { state: { waiting: { reason: 'ImagePullBackOff' } } }, want: 'error: container "c" in pod "p" is waiting to start: trying and failing to pull image' },
    { name: 'no state', status: { state: {} }, want: 'error: container "c" in pod "p" is waiting to start - no logs yet' },
    { name: 'no status', status: undefined, want: 'error: container "c" in pod "p" is not available' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const p = pod(['c'], c.status ? [c.status] : []);
      let got: string;
      try {
        got = logContainerId(p, 'c', c.previous ?? false);
      } catch (err) {
        got = `error: ${(err as ApiError).message}`;
      }
      assert.equal(got, c.want);
    });
  }
});

describe('options', () => {
  test('PodLogOptions', () => {
    const o = parseLogOptions(new URLSearchParams('container=a&follow=true&tailLines=5&limitBytes=10&timestamps=1&sinceSeconds=60'));
    assert.deepEqual(o, { container: 'a', follow: true, previous: false, timestamps: true, tailLines: 5, limitBytes: 10, sinceSeconds: 60 });
    assert.match(message(() => parseLogOptions(new URLSearchParams('tailLines=-1'))), /tailLines: Invalid value: -1: must be greater than or equal to 0/);
    assert.match(message(() => parseLogOptions(new URLSearchParams('limitBytes=0'))), /limitBytes: Invalid value: 0: must be greater than 0/);
    assert.match(message(() => parseLogOptions(new URLSearchParams('sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z'))), /at most one of `sinceTime` or `sinceSeconds` may be specified/);
    assert.match(message(() => parseLogOptions(new URLSearchParams('follow=maybe'))), /invalid syntax/);
  });

  test('PodExecOptions and subprotocols', () => {
    assert.deepEqual(parseExecOptions(new URLSearchParams('command=sh&command=-c&command=x&stdout=true&stderr=true&tty=true&stdin=1')), {
      container: null,
      command: ['sh', '-c', 'x'],
      stdin: true,
      stdout: true,
      stderr: false,
      tty: true,
    });
    assert.match(message(() => parseExecOptions(new URLSearchParams('stdout=true'))), /at least one command/);
    assert.match(message(() => parseExecOptions(new URLSearchParams('command=ls'))), /at least 1 of stdin, stdout, stderr/);
    assert.equal(pickChannelProtocol('base64url.bearer.authorization.k8s.io.x, v4.channel.k8s.io, v5.channel.k8s.io'), 'v5.channel.k8s.io');
    assert.equal(pickChannelProtocol('v4.channel.k8s.io'), 'v4.channel.k8s.io');
    assert.equal(pickChannelProtocol('channel.k8s.io'), undefined);
  });

  test('exit statuses as client-go decodes them', () => {
    assert.equal(exitStatus({ exitCode: 0 }, ['true']).status, 'Success');
    const failed = exitStatus({ exitCode: 3 }, ['sh', '-c', 'exit 3']);
    assert.equal(failed.reason, 'NonZeroExitCode');
    assert.deepEqual(failed.details?.causes, [{ reason: 'ExitCode', message: '3' }]);
    assert.equal(exitStatus(undefined, ['x']).status, 'Failure');
  });
});
