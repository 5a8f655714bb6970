// Strategies of apps/v1 Deployments, ReplicaSets and DaemonSets: the apps/v1 scheme
// defaults, pod template defaults, validation, status only through /status, and the
// immutable selector. No controller acts on them yet; they are stored as given.

import { resources } from '../../../api/resources.js';
import type { DaemonSet, Deployment, ReplicaSet } from '../../../api/workload-types.js';
import { validateDaemonSet, validateDeployment, validateReplicaSet, validateSelectorUnchanged } from '../../../api/validation/apps.js';
import { toCauses } from './causes.js';
import { defaultPodTemplate } from './pod-template-defaults.js';
import { daemonSetTable, deploymentTable, replicaSetTable } from './printers/index.js';
import { keepAllButStatus, keepStatus } from './status-strategy.js';
import type { Strategy } from './strategy.js';

export function defaultDeployment(d: Deployment): void {
  const spec = (d.spec ??= {} as Deployment['spec']);
  spec.replicas ??= 1;
  const strategy = (spec.strategy ??= {});
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = (strategy.rollingUpdate ??= {});
    ru.maxUnavailable ??= '25%';
    ru.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultPodTemplate(spec.template);
}

export function defaultReplicaSet(rs: ReplicaSet): void {
  const spec = (rs.spec ??= {} as ReplicaSet['spec']);
  spec.replicas ??= 1;
  defaultPodTemplate(spec.template);
}

export function defaultDaemonSet(ds: DaemonSet): void {
  const spec = (ds.spec ??= {} as DaemonSet['spec']);
  const strategy = (spec.updateStrategy ??= {});
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = (strategy.rollingUpdate ??= {});
    ru.maxUnavailable ??= 1;
    ru.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  defaultPodTemplate(spec.template);
}

/** What the three share: a fresh status, status via /status, selector fixed after create. */
const workload = {
  prepareForCreate(obj) {
    obj['status'] = {};
  },
  prepareForUpdate: keepStatus,
  prepareForStatusUpdate: keepAllButStatus,
  validateUpdate: (obj, old) => toCauses(validateSelectorUnchanged(obj, old)),
} satisfies Partial<Strategy>;

export const deploymentStrategy: Strategy = {
  ...workload,
  type: resources.deployments,
  defaults: (obj) => defaultDeployment(obj as Deployment),
  validate: (obj) => toCauses(validateDeployment(obj as Deployment)),
  // As in Kubernetes, annotation changes bump a Deployment's generation too: the controller
  // copies them onto its ReplicaSets, so they are part of what it must act on.
  specChanged: (obj, old) =>
    JSON.stringify(obj['spec']) !== JSON.stringify(old['spec']) ||
    JSON.stringify(obj.metadata.annotations ?? {}) !== JSON.stringify(old.metadata.annotations ?? {}),
  table: deploymentTable,
};

export const replicaSetStrategy: Strategy = {
  ...workload,
  type: resources.replicasets,
  defaults: (obj) => defaultReplicaSet(obj as ReplicaSet),
  validate: (obj) => toCauses(validateReplicaSet(obj as ReplicaSet)),
  fields: {
    names: ['status.replicas'],
    getter: (obj) => (field) => (field === 'status.replicas' ? String((obj as ReplicaSet).status?.replicas ?? 0) : undefined),
  },
  table: replicaSetTable,
};

export const daemonSetStrategy: Strategy = {
  ...workload,
  type: resources.daemonsets,
  defaults: (obj) => defaultDaemonSet(obj as DaemonSet),
  validate: (obj) => toCauses(validateDaemonSet(obj as DaemonSet)),
  table: daemonSetTable,
};
