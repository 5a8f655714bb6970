// PodDisruptionBudget validation as Kubernetes' pkg/apis/policy/validation does it: at most
// one of minAvailable / maxUnavailable, each a count or a percentage up to 100%, a valid
// selector and a known unhealthyPodEvictionPolicy. The spec may change after creation
// (since Kubernetes 1.15).

import type { PodDisruptionBudget } from '../policy-types.js';
import { UNHEALTHY_POD_EVICTION_POLICIES } from '../policy-types.js';
import { intOrPercent } from './apps.js';
import { invalid, notSupported, StringerValue, type FieldError } from './field-error.js';
import { validateLabelSelector } from './label-selector.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

function validateSpec(pdb: PodDisruptionBudget): FieldError[] {
  const spec = pdb.spec ?? {};
  const errs: FieldError[] = [];
  if (spec.minAvailable !== undefined && spec.minAvailable !== null && spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    errs.push(invalid('spec', new StringerValue(JSON.stringify(spec)), 'minAvailable and maxUnavailable cannot be both set'));
  }
  errs.push(...intOrPercent(spec.minAvailable ?? undefined, 'spec.minAvailable'));
  errs.push(...intOrPercent(spec.maxUnavailable ?? undefined, 'spec.maxUnavailable'));
  if (spec.selector) errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && policy !== null && !UNHEALTHY_POD_EVICTION_POLICIES.includes(policy)) {
    errs.push(notSupported('spec.unhealthyPodEvictionPolicy', policy, UNHEALTHY_POD_EVICTION_POLICIES));
  }
  return errs;
}

export function validatePodDisruptionBudget(pdb: PodDisruptionBudget): FieldError[] {
  return [...validateObjectMeta(pdb.metadata ?? {}, { namespaced: true, nameRule: 'subdomain' }), ...validateSpec(pdb)];
}

export function validatePodDisruptionBudgetUpdate(next: PodDisruptionBudget, old: PodDisruptionBudget): FieldError[] {
  return [...validateObjectMetaUpdate(next.metadata ?? {}, old.metadata ?? {}), ...validateSpec(next)];
}
