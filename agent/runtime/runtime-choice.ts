// Why the agent runs on the runtime it does, in one line for its log. `--runtime auto`
// takes Docker when Docker's socket is there and containerd otherwise. Docker comes first
// because a host with Docker nearly always has a containerd socket too (Docker runs on
// containerd, and Debian's docker.io installs it as a service), so "whichever socket is
// present" would otherwise mean containerd on every Docker host, and pods would vanish
// from the `docker ps` its owner looks at. When both are present the line says so, and
// how to pick the other.

import type { RuntimeKind } from '../agent.js';

export interface RuntimeCandidate {
  kind: RuntimeKind;
  socketPath: string;
}

export interface RuntimeChoiceInput {
  requested: RuntimeKind | 'auto';
  /** --runtime-endpoint, when given. */
  endpoint?: string | undefined;
  chosen: RuntimeCandidate;
  /** Every default socket, in the order auto tries them. */
  candidates: RuntimeCandidate[];
  exists: (path: string) => boolean;
}

const NAME: Record<RuntimeKind, string> = { docker: 'Docker', containerd: 'containerd' };

export function runtimeChoice(i: RuntimeChoiceInput): string {
  const { chosen } = i;
  if (i.endpoint !== undefined) {
    if (i.requested !== 'auto') return `--runtime ${i.requested} on --runtime-endpoint ${chosen.socketPath}`;
    const rule = chosen.kind === 'docker' ? 'a socket named docker.sock is Docker' : 'only a socket named docker.sock is taken as Docker';
    return `--runtime auto with --runtime-endpoint ${chosen.socketPath}: ${NAME[chosen.kind]} (${rule})`;
  }
  if (i.requested !== 'auto') return `--runtime ${i.requested}: ${NAME[chosen.kind]}'s socket ${chosen.socketPath}`;
  const others = i.candidates.filter((c) => c.kind !== chosen.kind && i.exists(c.socketPath));
  if (chosen.kind === 'docker') {
    const also = others.length ? `; containerd's socket ${others.map((c) => c.socketPath).join(', ')} is there too: --runtime containerd uses it` : '';
    return `--runtime auto: Docker's socket ${chosen.socketPath} is present and Docker comes first${also}`;
  }
  const docker = i.candidates.find((c) => c.kind === 'docker');
  return `--runtime auto: no Docker socket${docker ? ` at ${docker.socketPath}` : ''}, so containerd's socket ${chosen.socketPath}`;
}
