// dockerode without the two parts Skiff never uses, which it loads eagerly: docker-modem's
// SSH transport (ssh2) and dockerode's BuildKit session (gRPC + proto-loader). Together they
// cost a Docker node ~15 MiB of RSS (ssh2 8.5, gRPC 6.6, measured), more than a third of
// the agent's budget on a Raspberry Pi. The agent talks to Docker over its unix socket and
// builds no images, so both modules are put in the require cache as stubs before dockerode
// loads; calling either fails with a clear message instead of a missing-module crash.

import { createRequire } from 'node:module';
import type DockerodeModule from 'dockerode';

const require = createRequire(import.meta.url);

function preload(path: string, exports: unknown): void {
  if (require.cache[path]) return; // loaded for real already (e.g. by the containerd runtime's gRPC): keep it
  require.cache[path] = { id: path, filename: path, loaded: true, exports, children: [], paths: [] } as unknown as NodeJS.Module;
}

const dockerodeMain = require.resolve('dockerode');
const fromDockerode = createRequire(dockerodeMain);
preload(fromDockerode.resolve('./session'), () => {
  throw new Error('BuildKit sessions are not used by Skiff');
});
const ssh2 = createRequire(fromDockerode.resolve('docker-modem')).resolve('ssh2');
preload(ssh2, {
  Client: class {
    constructor() {
      throw new Error('Docker over SSH is not supported by Skiff: point it at the Docker socket');
    }
  },
});

export const DockerClient = require('dockerode') as typeof DockerodeModule;
