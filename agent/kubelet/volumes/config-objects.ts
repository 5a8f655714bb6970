// The ConfigMaps and Secrets the kubelet reads for volumes and env. The node's credential
// may read only the ones its own pods use, one object at a time (the Node authorizer), so
// each object asked for gets its own watch (list/watch with fieldSelector metadata.name=<name>
// in its namespace), as the kubelet's watch-based manager does. A change to one of them is
// announced to a listener, so the kubelet syncs the pods that use it at once: updates reach
// configMap/secret volumes within the watch's latency instead of the periodic resync.
//
// A pod sync first registers the pod: the watches of what it uses start, and the sync waits
// (briefly) for their first list. A lookup of an object nobody registered starts its watch
// and answers "not there yet"; when the watch has listed, the listener is told, and the
// pods waiting on it sync again. Watches nobody looked up for IDLE_MS (no pod of ours uses
// the object any more) are stopped.

import type { Logger } from 'pino';
import type { ApiClient } from '../../../api/client.js';
import { Informer } from '../../../api/informer.js';
import { resources } from '../../../api/resources.js';
import type { ConfigMap, Secret } from '../../../api/service-types.js';
import type { Pod } from '../../../api/types.js';
import { configReferences } from './references.js';

export interface ConfigObjects {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
  /** Starts watching what `pod` uses and waits (briefly) until it is listed, so a sync does not report an object missing that has merely not arrived. */
  register?(pod: Pod): Promise<void>;
}

/** Secret data is base64 in the API; stringData (write-only) wins where the server kept it. */
export function secretData(s: Secret): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(s.data ?? {})) out.set(k, Buffer.from(v, 'base64'));
  for (const [k, v] of Object.entries(s.stringData ?? {})) out.set(k, Buffer.from(v, 'utf8'));
  return out;
}

export type ConfigObjectKind = 'ConfigMap' | 'Secret';

/** Every pod syncs at least once a minute and reads its objects again: 5 minutes unused is "no longer used". */
const IDLE_MS = 5 * 60_000;
/** How long a pod sync waits for its objects' first list (the control server may be away). */
const REGISTER_WAIT_MS = 5_000;

interface ObjectWatch {
  informer: Informer<ConfigMap | Secret>;
  stop: AbortController;
  lastUsed: number;
}

export class ConfigObjectCache implements ConfigObjects {
  private readonly watches = new Map<string, ObjectWatch>();
  private signal: AbortSignal | undefined;

  constructor(
    private readonly client: ApiClient,
    private readonly logger: Logger,
    private readonly onChange: (kind: ConfigObjectKind, namespace: string, name: string) => void,
  ) {}

  /** Sweeps unused watches until signal aborts, then stops them all. */
  async run(signal: AbortSignal): Promise<unknown> {
    this.signal = signal;
    const sweep = setInterval(() => {
      const now = Date.now();
      for (const [key, w] of this.watches) {
        if (now - w.lastUsed > IDLE_MS) {
          w.stop.abort();
          this.watches.delete(key);
        }
      }
    }, IDLE_MS / 5);
    sweep.unref();
    await new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));
    clearInterval(sweep);
    for (const w of this.watches.values()) w.stop.abort();
    this.watches.clear();
    return undefined;
  }

  /** Nothing to list up front: objects are watched as pods ask for them. */
  get synced(): Promise<unknown> {
    return Promise.resolve();
  }

  configMap(namespace: string, name: string): ConfigMap | undefined {
    return this.lookup('ConfigMap', namespace, name) as ConfigMap | undefined;
  }

  secret(namespace: string, name: string): Secret | undefined {
    return this.lookup('Secret', namespace, name) as Secret | undefined;
  }

  async register(pod: Pod): Promise<void> {
    const namespace = pod.metadata.namespace ?? 'default';
    const pending: Promise<void>[] = [];
    for (const ref of configReferences(pod)) {
      const [kind, name] = ref.split('/') as [ConfigObjectKind, string];
      const w = this.watch(kind, namespace, name);
      if (w && !w.informer.hasSynced()) pending.push(w.informer.synced);
    }
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(pending), new Promise<void>((r) => (timer = setTimeout(r, REGISTER_WAIT_MS)))]);
    clearTimeout(timer);
  }

  private lookup(kind: ConfigObjectKind, namespace: string, name: string): ConfigMap | Secret | undefined {
    return this.watch(kind, namespace, name)?.informer.get(`${namespace}/${name}`);
  }

  private watch(kind: ConfigObjectKind, namespace: string, name: string): ObjectWatch | undefined {
    const key = `${kind}/${namespace}/${name}`;
    let w = this.watches.get(key);
    if (!w) {
      w = this.start(kind, namespace, name);
      if (!w) return undefined;
      this.watches.set(key, w);
    }
    w.lastUsed = Date.now();
    return w;
  }

  private start(kind: ConfigObjectKind, namespace: string, name: string): ObjectWatch | undefined {
    if (!this.signal || this.signal.aborted) return undefined;
    const type = kind === 'ConfigMap' ? resources.configmaps : resources.secrets;
    const informer = new Informer<ConfigMap | Secret>(this.client, type, { namespace, fieldSelector: `metadata.name=${name}`, logger: this.logger });
    const changed = () => this.onChange(kind, namespace, name);
    informer.addHandlers({ onAdd: changed, onUpdate: changed, onDelete: changed });
    // Listed and absent is news too: the pods waiting on it can report it missing now.
    void informer.synced.then(changed);
    // run() aborts every watch when the agent stops.
    const stop = new AbortController();
    void informer.run(stop.signal);
    return { informer, stop, lastUsed: Date.now() };
  }
}
