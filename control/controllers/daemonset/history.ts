// A DaemonSet's template history as ControllerRevisions (Kubernetes' constructHistory and
// cleanupHistory): each distinct template the DaemonSet has had is one revision, named
// <ds>-<hash>, labelled with the template's labels and its controller-revision-hash, holding
// a strategic merge patch that puts that template back ({"spec":{"template":{…,
// "$patch":"replace"}}}) — what `kubectl rollout undo daemonset` sends. The current template's
// revision always carries the highest number: when a rollback makes an old template current
// again, its revision is renumbered instead of copied. Old revisions no pod runs any more are
// kept up to spec.revisionHistoryLimit (default 10).

import type { ApiClient } from '../../../api/client.js';
import { isConflict, isNotFound } from '../../../api/errors.js';
import type { Informer } from '../../../api/informer.js';
import { resources } from '../../../api/resources.js';
import type { ControllerRevision, DaemonSet } from '../../../api/workload-types.js';
import { canonical, computeTemplateHash } from '../workloads/deployment-util.js';
import { CONTROLLER_REVISION_HASH, daemonSetOwnerRef } from './daemon-pods.js';

const DEFAULT_REVISION_HISTORY_LIMIT = 10;

/** The patch a revision holds: the DaemonSet's template, replacing whatever is there. */
export function revisionData(ds: DaemonSet): unknown {
  return { spec: { template: { ...structuredClone(ds.spec.template), $patch: 'replace' } } };
}

export function revisionMatches(ds: DaemonSet, cr: ControllerRevision): boolean {
  return canonical(cr.data) === canonical(revisionData(ds));
}

export class DaemonSetHistory {
  constructor(
    private readonly client: ApiClient,
    private readonly revisions: Informer<ControllerRevision>,
  ) {}

  /** The DaemonSet's revisions: in its namespace, controlled by it. */
  owned(ds: DaemonSet): ControllerRevision[] {
    return this.revisions.list().filter((cr) => cr.metadata.namespace === ds.metadata.namespace && cr.metadata.ownerReferences?.some((r) => r.controller === true && r.uid === ds.metadata.uid));
  }

  /** Makes sure the current template has the newest revision; returns its hash (the pods' label). */
  async current(ds: DaemonSet): Promise<string> {
    const owned = this.owned(ds);
    const matching = owned.filter((cr) => revisionMatches(ds, cr)).sort((a, b) => b.revision - a.revision);
    const others = owned.filter((cr) => !matching.includes(cr));
    const next = Math.max(0, ...others.map((cr) => cr.revision)) + 1;
    const cur = matching[0];
    if (cur) {
      if (cur.revision < next) await this.renumber(cur, next);
      return cur.metadata.labels?.[CONTROLLER_REVISION_HASH] ?? computeTemplateHash(ds.spec.template);
    }
    return this.snapshot(ds, next);
  }

  private async renumber(cr: ControllerRevision, revision: number): Promise<void> {
    try {
      await this.client.patch(resources.controllerrevisions, cr.metadata.name!, { revision, metadata: { resourceVersion: cr.metadata.resourceVersion } }, { namespace: cr.metadata.namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async snapshot(ds: DaemonSet, revision: number): Promise<string> {
    // A hash taken by another template (vanishingly rare) gets a collision count, as in Kubernetes.
    for (let collisions = 0; ; collisions++) {
      const hash = computeTemplateHash(ds.spec.template, collisions);
      const cr: ControllerRevision = {
        apiVersion: 'apps/v1',
        kind: 'ControllerRevision',
        metadata: {
          name: `${ds.metadata.name}-${hash}`,
          namespace: ds.metadata.namespace!,
          labels: { ...(ds.spec.template.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH]: hash },
          ...(ds.metadata.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
          ownerReferences: [daemonSetOwnerRef(ds)],
        },
        data: revisionData(ds),
        revision,
      };
      try {
        await this.client.create(resources.controllerrevisions, cr);
        return hash;
      } catch (err) {
        if ((err as { status?: { reason?: string } }).status?.reason !== 'AlreadyExists') throw err;
        const existing = await this.client.get<ControllerRevision>(resources.controllerrevisions, cr.metadata.name!, cr.metadata.namespace);
        // Ours already (the informer had not seen it yet): the same template, renumber it.
        if (existing.metadata.ownerReferences?.some((r) => r.uid === ds.metadata.uid) && revisionMatches(ds, existing)) {
          if (existing.revision < revision) await this.renumber(existing, revision);
          return hash;
        }
      }
    }
  }

  /** Deletes the oldest revisions no live pod runs, beyond revisionHistoryLimit. */
  async cleanup(ds: DaemonSet, liveHashes: Set<string>, currentHash: string): Promise<void> {
    const limit = ds.spec.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT;
    const old = this.owned(ds)
      .filter((cr) => {
        const hash = cr.metadata.labels?.[CONTROLLER_REVISION_HASH];
        return hash !== currentHash && !(hash && liveHashes.has(hash));
      })
      .sort((a, b) => a.revision - b.revision);
    for (const cr of old.slice(0, Math.max(0, old.length - limit))) {
      try {
        await this.client.delete(resources.controllerrevisions, cr.metadata.name!, cr.metadata.namespace, { preconditions: { uid: cr.metadata.uid! } });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
  }
}
