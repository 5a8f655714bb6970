// Node name → the agent's live tunnel. A node has at most one: a reconnecting agent replaces
// its old connection (which may be half-open), and streams only ever go to the tunnel of
// the node the pod is bound to.

import type { TunnelMux } from '../../../api/tunnel/tunnel-mux.js';

export class TunnelRegistry {
  private readonly tunnels = new Map<string, TunnelMux>();

  register(nodeName: string, mux: TunnelMux): void {
    const old = this.tunnels.get(nodeName);
    this.tunnels.set(nodeName, mux);
    if (old && old !== mux) old.close();
    mux.onClose(() => {
      if (this.tunnels.get(nodeName) === mux) this.tunnels.delete(nodeName);
    });
  }

  get(nodeName: string): TunnelMux | undefined {
    const mux = this.tunnels.get(nodeName);
    return mux && !mux.closed ? mux : undefined;
  }

  nodes(): string[] {
    return [...this.tunnels.keys()];
  }

  closeAll(): void {
    for (const mux of [...this.tunnels.values()]) mux.close();
    this.tunnels.clear();
  }
}
