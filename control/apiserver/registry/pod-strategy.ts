// What the API server does to a pod before storing it, as Kubernetes does: scheme
// defaulting (pkg/apis/core/v1/defaults.go), the defaults the Priority and
// DefaultTolerationSeconds admission plugins add, validation, and the fields pods, nodes
// and other objects can be selected on.

import type { FieldGetter, SelectableFields } from '../../../api/fields.js';
import { defaultPodObject } from '../../../api/pod-defaults.js';
import type { KubeObject, Node, Pod, PodSpec } from '../../../api/types.js';
import type { FieldError } from '../../../api/validation/field-error.js';
import { validatePod as validatePodObject, validatePodUpdate as validatePodUpdateObject } from '../../../api/validation/pod.js';
import type { Toleration } from '../../../api/validation/tolerations.js';

export {
  DEFAULT_SCHEDULER_NAME,
  DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
  TERMINATION_MESSAGE_PATH_DEFAULT,
  defaultImagePullPolicy,
  defaultPodSpec,
  parseImageReference,
  type ImageReference,
} from '../../../api/pod-defaults.js';

/** DefaultTolerationSeconds: how long pods stay on a not-ready or unreachable node. */
export const DEFAULT_NOT_READY_TOLERATION_SECONDS = 300;
export const DEFAULT_UNREACHABLE_TOLERATION_SECONDS = 300;
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';

/** The built-in PriorityClasses the Priority admission plugin knows without a lookup. */
const SYSTEM_PRIORITY_CLASSES: Record<string, number> = {
  'system-cluster-critical': 2000000000,
  'system-node-critical': 2000001000,
};

// ---- admission defaults ---------------------------------------------------------------------

/** True when some toleration already covers `key` with NoExecute (an empty key or effect is a wildcard). */
function tolerates(tolerations: readonly Toleration[], key: string): boolean {
  return tolerations.some((t) => (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect));
}

type SpecExtras = PodSpec & {
  priority?: number;
  priorityClassName?: string;
  preemptionPolicy?: string;
  tolerations?: Toleration[];
};

/** The admission plugins' settings (DefaultTolerationSeconds). */
export interface PodAdmission {
  notReadyTolerationSeconds: number;
  unreachableTolerationSeconds: number;
}

export const DEFAULT_POD_ADMISSION: PodAdmission = {
  notReadyTolerationSeconds: DEFAULT_NOT_READY_TOLERATION_SECONDS,
  unreachableTolerationSeconds: DEFAULT_UNREACHABLE_TOLERATION_SECONDS,
};

/**
 * Everything a new pod gets: the PodSpec defaults, then what only real pods get
 * (SetDefaults_Pod) and what admission adds (priority, default tolerations). Mutates the
 * pod it is given — the API server passes its own freshly decoded copy — and returns it.
 */
export function defaultPod(pod: Pod, admission: PodAdmission = DEFAULT_POD_ADMISSION): Pod {
  defaultPodObject(pod);
  const x = pod.spec as SpecExtras;

  // Priority admission: no class means priority 0; the system classes are fixed numbers.
  if (x.priority === undefined || x.priority === null) {
    const cls = x.priorityClassName ?? '';
    const known = cls ? SYSTEM_PRIORITY_CLASSES[cls] : 0;
    if (known !== undefined) {
      x.priority = known;
      x.preemptionPolicy ||= 'PreemptLowerPriority';
    }
  }

  // DefaultTolerationSeconds admission: ride out a not-ready/unreachable node for a while
  // (5 minutes unless the control server is told otherwise).
  const tolerations = (x.tolerations ??= []);
  if (!tolerates(tolerations, TAINT_NODE_NOT_READY)) {
    tolerations.push({ key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: admission.notReadyTolerationSeconds });
  }
  if (!tolerates(tolerations, TAINT_NODE_UNREACHABLE)) {
    tolerations.push({ key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: admission.unreachableTolerationSeconds });
  }
  return pod;
}

// ---- validation -----------------------------------------------------------------------------

/** Everything wrong with a (defaulted) pod, as Kubernetes words it. */
export function validatePod(pod: Pod): FieldError[] {
  return validatePodObject(pod);
}

/**
 * What an update may not do on top of validatePod(newPod): change the immutable spec,
 * add or remove containers, lengthen activeDeadlineSeconds, edit existing tolerations.
 */
export function validatePodUpdate(newPod: Pod, oldPod: Pod): FieldError[] {
  return validatePodUpdateObject(newPod, oldPod);
}

// ---- selectable fields ----------------------------------------------------------------------

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/** metadata.name and metadata.namespace, which every object can be selected on. */
function metadataField(obj: KubeObject, field: string): string | undefined {
  if (field === 'metadata.name') return str(obj.metadata?.name);
  if (field === 'metadata.namespace') return str(obj.metadata?.namespace);
  return undefined;
}

/** Pod fields beyond metadata.name/namespace that field selectors accept. */
export const podFieldNames = [
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.schedulerName',
  'spec.serviceAccountName',
  'spec.hostNetwork',
  'status.phase',
  'status.podIP',
  'status.nominatedNodeName',
];

export const podSelectableFields: SelectableFields = {
  names: ['metadata.name', 'metadata.namespace', ...podFieldNames],
  // Old v1 clients sent spec.host for spec.nodeName; Kubernetes still accepts it.
  aliases: { 'spec.host': 'spec.nodeName' },
};

export function podFieldGetter(pod: Pod): FieldGetter {
  return (field) => {
    const spec = (pod.spec ?? {}) as Record<string, unknown>;
    const status = pod.status ?? {};
    switch (field) {
      case 'spec.nodeName':
      case 'spec.host':
        return str(spec['nodeName']);
      case 'spec.restartPolicy':
      case 'spec.schedulerName':
      case 'spec.serviceAccountName':
        return str(spec[field.slice('spec.'.length)]);
      case 'spec.hostNetwork':
        return String(spec['hostNetwork'] === true);
      case 'status.phase':
        return str(status.phase);
      case 'status.podIP':
        return str(status.podIPs?.[0]?.ip ?? status.podIP);
      case 'status.nominatedNodeName':
        return str(status.nominatedNodeName);
      default:
        return metadataField(pod, field);
    }
  };
}

export const nodeFieldNames = ['spec.unschedulable'];

export const nodeSelectableFields: SelectableFields = { names: ['metadata.name', ...nodeFieldNames] };

export function nodeFieldGetter(node: Node): FieldGetter {
  return (field) => {
    if (field === 'spec.unschedulable') return String(node.spec?.unschedulable === true);
    if (field === 'metadata.name') return str(node.metadata?.name);
    return undefined;
  };
}

export const objectSelectableFields: SelectableFields = { names: ['metadata.name', 'metadata.namespace'] };

/** metadata.name / metadata.namespace for any other kind of object. */
export function objectFieldGetter(obj: KubeObject): FieldGetter {
  return (field) => metadataField(obj, field);
}
