import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { DockerClient } from './docker-client.js';

test('dockerode loads without ssh2 and the BuildKit session; using them fails clearly', () => {
  const require = createRequire(import.meta.url);
  const fromDockerode = createRequire(require.resolve('dockerode'));
  const ssh2 = createRequire(fromDockerode.resolve('docker-modem'))('ssh2') as { Client: new () => unknown };
  assert.throws(() => new ssh2.Client(), /Docker over SSH is not supported by Skiff/);
  const session = fromDockerode('./session') as () => unknown;
  assert.throws(() => session(), /BuildKit sessions are not used by Skiff/);
  const docker = new DockerClient({ socketPath: '/nonexistent.sock' });
  assert.equal(typeof docker.listContainers, 'function');
});
