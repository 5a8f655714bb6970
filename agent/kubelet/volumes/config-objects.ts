// The ConfigMaps and Secrets the kubelet reads for volumes and env, from two informers
// (list + watch over all namespaces) rather than a GET per pod sync. A change to one of
// them is announced to a listener, so the kubelet can sync the pods that use it at once:
// updates reach configMap/secret volumes within the watch's latency instead of waiting
// for the periodic resync. The node token may read every namespace (the API server has
// no node authorizer yet), so nothing narrower is possible today.

import type { Logger } from 'pino';
import type { ApiClient } from '../../../api/client.js';
import { Informer } from '../../../api/informer.js';
import { resources } from '../../../api/resources.js';
import type { ConfigMap, Secret } from '../../../api/service-types.js';

export interface ConfigObjects {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
}

/** Secret data is base64 in the API; stringData (write-only) wins where the server kept it. */
export function secretData(s: Secret): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(s.data ?? {})) out.set(k, Buffer.from(v, 'base64'));
  for (const [k, v] of Object.entries(s.stringData ?? {})) out.set(k, Buffer.from(v, 'utf8'));
  return out;
}

export type ConfigObjectKind = 'ConfigMap' | 'Secret';

export class ConfigObjectCache implements ConfigObjects {
  private readonly configMaps: Informer<ConfigMap>;
  private readonly secrets: Informer<Secret>;

  constructor(client: ApiClient, logger: Logger, onChange: (kind: ConfigObjectKind, namespace: string, name: string) => void) {
    this.configMaps = new Informer<ConfigMap>(client, resources.configmaps, { logger });
    this.secrets = new Informer<Secret>(client, resources.secrets, { logger });
    const watch = <T extends ConfigMap | Secret>(informer: Informer<T>, kind: ConfigObjectKind) => {
      const changed = (o: T) => onChange(kind, o.metadata.namespace ?? '', o.metadata.name ?? '');
      informer.addHandlers({ onAdd: changed, onUpdate: (_old, o) => changed(o), onDelete: changed });
    };
    watch(this.configMaps, 'ConfigMap');
    watch(this.secrets, 'Secret');
  }

  /** Runs both informers until signal aborts. */
  run(signal: AbortSignal): Promise<unknown> {
    return Promise.all([this.configMaps.run(signal), this.secrets.run(signal)]);
  }

  /** Resolves once both have listed: before that, "not found" would be a lie. */
  get synced(): Promise<unknown> {
    return Promise.all([this.configMaps.synced, this.secrets.synced]);
  }

  configMap(namespace: string, name: string): ConfigMap | undefined {
    return this.configMaps.get(`${namespace}/${name}`);
  }

  secret(namespace: string, name: string): Secret | undefined {
    return this.secrets.get(`${namespace}/${name}`);
  }
}
