import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runtimeChoice, type RuntimeCandidate } from './runtime-choice.js';

const DOCKER: RuntimeCandidate = { kind: 'docker', socketPath: '/var/run/docker.sock' };
const SKIFF_CONTAINERD: RuntimeCandidate = { kind: 'containerd', socketPath: '/run/skiff-containerd/containerd.sock' };
const CONTAINERD: RuntimeCandidate = { kind: 'containerd', socketPath: '/run/containerd/containerd.sock' };
const candidates = [DOCKER, SKIFF_CONTAINERD, CONTAINERD];
const present = (...paths: string[]) => (p: string) => paths.includes(p);

test('auto with both sockets present: Docker, and the line names the containerd socket and the flag for it', () => {
  const line = runtimeChoice({ requested: 'auto', chosen: DOCKER, candidates, exists: present(DOCKER.socketPath, CONTAINERD.socketPath) });
  assert.equal(line, "--runtime auto: Docker's socket /var/run/docker.sock is present and Docker comes first; containerd's socket /run/containerd/containerd.sock is there too: --runtime containerd uses it");
});

test('auto with Docker alone, and with containerd alone', () => {
  assert.equal(runtimeChoice({ requested: 'auto', chosen: DOCKER, candidates, exists: present(DOCKER.socketPath) }), "--runtime auto: Docker's socket /var/run/docker.sock is present and Docker comes first");
  assert.equal(
    runtimeChoice({ requested: 'auto', chosen: SKIFF_CONTAINERD, candidates, exists: present(SKIFF_CONTAINERD.socketPath, CONTAINERD.socketPath) }),
    "--runtime auto: no Docker socket at /var/run/docker.sock, so containerd's socket /run/skiff-containerd/containerd.sock",
  );
});

test('an explicit runtime or endpoint says so', () => {
  assert.equal(runtimeChoice({ requested: 'containerd', chosen: CONTAINERD, candidates, exists: present(CONTAINERD.socketPath) }), "--runtime containerd: containerd's socket /run/containerd/containerd.sock");
  assert.equal(runtimeChoice({ requested: 'auto', endpoint: '/x/docker.sock', chosen: { kind: 'docker', socketPath: '/x/docker.sock' }, candidates, exists: present() }), '--runtime auto with --runtime-endpoint /x/docker.sock: Docker (a socket named docker.sock is Docker)');
  assert.equal(
    runtimeChoice({ requested: 'auto', endpoint: '/x/c.sock', chosen: { kind: 'containerd', socketPath: '/x/c.sock' }, candidates, exists: present() }),
    '--runtime auto with --runtime-endpoint /x/c.sock: containerd (only a socket named docker.sock is taken as Docker)',
  );
  assert.equal(runtimeChoice({ requested: 'docker', endpoint: '/x/c.sock', chosen: { kind: 'docker', socketPath: '/x/c.sock' }, candidates, exists: present() }), '--runtime docker on --runtime-endpoint /x/c.sock');
});
