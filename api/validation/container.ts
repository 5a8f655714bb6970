// Container validation for pods, in the order and words of Kubernetes'
// validateContainerCommon / validateContainers / validateInitContainers: name, image,
// termination message policy, ports, env, pull policy, resources; unique names across
// containers and init containers; no host port used twice.

import type { Container, ContainerPort, EnvVar } from '../types.js';
import { duplicate, forbidden, invalid, notSupported, required, type FieldError } from './field-error.js';
import { isDNS1123Label, isRelaxedEnvVarName, isValidPortName, isValidPortNum } from './names.js';
import { validateResourceRequirements } from './resources.js';

export const SUPPORTED_PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
export const SUPPORTED_PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;
export const SUPPORTED_TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'] as const;

const includes = (list: readonly string[], v: unknown): boolean => typeof v === 'string' && list.includes(v);

function portNumberErrors(field: string, port: unknown): FieldError[] {
  if (typeof port !== 'number' || !Number.isInteger(port)) return [invalid(field, port, 'must be an integer')];
  return isValidPortNum(port).map((msg) => invalid(field, port, msg));
}

export function validateContainerPorts(ports: readonly ContainerPort[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (ports ?? []).forEach((entry, i) => {
    const port: Partial<ContainerPort> = entry ?? {};
    const path = `${field}[${i}]`;
    const name = port.name ?? '';
    if (name) {
      const problems = isValidPortName(name);
      if (problems.length) errs.push(...problems.map((msg) => invalid(`${path}.name`, name, msg)));
      else if (names.has(name)) errs.push(duplicate(`${path}.name`, name));
      else names.add(name);
    }
    if (!port.containerPort) errs.push(required(`${path}.containerPort`));
    else errs.push(...portNumberErrors(`${path}.containerPort`, port.containerPort));
    if (port.hostPort) errs.push(...portNumberErrors(`${path}.hostPort`, port.hostPort));
    const protocol = port.protocol ?? '';
    if (!protocol) errs.push(required(`${path}.protocol`));
    else if (!includes(SUPPORTED_PORT_PROTOCOLS, protocol)) errs.push(notSupported(`${path}.protocol`, protocol, SUPPORTED_PORT_PROTOCOLS));
  });
  return errs;
}

const VALUE_FROM_SOURCES = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'] as const;

export function validateEnv(env: readonly EnvVar[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  (env ?? []).forEach((entry, i) => {
    const v: Partial<EnvVar> = entry ?? {};
    const path = `${field}[${i}]`;
    const name = v.name ?? '';
    if (!name) errs.push(required(`${path}.name`));
    // Kubernetes 1.32+ (RelaxedEnvironmentVariableValidation on by default).
    else errs.push(...isRelaxedEnvVarName(name).map((msg) => invalid(`${path}.name`, name, msg)));
    if (v.valueFrom !== undefined && v.valueFrom !== null) {
      const from = v.valueFrom as Record<string, unknown>;
      const sources = VALUE_FROM_SOURCES.filter((s) => from[s] !== undefined && from[s] !== null).length;
      const valueFromPath = `${path}.valueFrom`;
      if (sources === 0) {
        errs.push(invalid(valueFromPath, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
      } else if (v.value) {
        errs.push(invalid(valueFromPath, '', 'may not be specified when `value` is not empty'));
      } else if (sources > 1) {
        errs.push(invalid(valueFromPath, '', 'may not have more than one field specified at a time'));
      }
    }
  });
  return errs;
}

/** The checks every kind of container gets. */
export function validateContainerCommon(c: Container, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = c.name ?? '';
  if (!name) errs.push(required(`${path}.name`));
  else errs.push(...isDNS1123Label(name).map((msg) => invalid(`${path}.name`, name, msg)));
  if (!c.image) errs.push(required(`${path}.image`));
  const tmp = c.terminationMessagePolicy ?? '';
  if (!tmp) errs.push(required(`${path}.terminationMessagePolicy`));
  else if (!includes(SUPPORTED_TERMINATION_MESSAGE_POLICIES, tmp)) {
    errs.push(notSupported(`${path}.terminationMessagePolicy`, tmp, SUPPORTED_TERMINATION_MESSAGE_POLICIES));
  }
  errs.push(...validateContainerPorts(c.ports, `${path}.ports`));
  errs.push(...validateEnv(c.env, `${path}.env`));
  const pull = c.imagePullPolicy ?? '';
  if (!pull) errs.push(required(`${path}.imagePullPolicy`));
  else if (!includes(SUPPORTED_PULL_POLICIES, pull)) errs.push(notSupported(`${path}.imagePullPolicy`, pull, SUPPORTED_PULL_POLICIES));
  errs.push(...validateResourceRequirements(c.resources, `${path}.resources`));
  return errs;
}

/** Two ports may not claim the same protocol/hostIP/hostPort. */
export function checkHostPortConflicts(containers: readonly Container[], field: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    (c.ports ?? []).forEach((p, pi) => {
      if (!p?.hostPort) return;
      const key = `${p.protocol ?? ''}/${p.hostIP ?? ''}/${p.hostPort}`;
      if (seen.has(key)) errs.push(duplicate(`${field}[${ci}].ports[${pi}].hostPort`, key));
      else seen.add(key);
    });
  });
  return errs;
}

export function validateContainers(containers: readonly Container[] | undefined, field: string): FieldError[] {
  // A null entry is reported like an empty container rather than crashing validation.
  const list = (containers ?? []).map((c) => c ?? ({} as Container));
  if (list.length === 0) return [required(field)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list.forEach((c, i) => {
    const path = `${field}[${i}]`;
    errs.push(...validateContainerCommon(c, path));
    const name = c.name ?? '';
    if (names.has(name)) errs.push(duplicate(`${path}.name`, name));
    else names.add(name);
    if (c['restartPolicy'] !== undefined && c['restartPolicy'] !== null) {
      errs.push(forbidden(`${path}.restartPolicy`, 'may not be set for non-init containers'));
    }
  });
  errs.push(...checkHostPortConflicts(list, field));
  return errs;
}

const INIT_ONLY_WITH_ALWAYS = ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const;

export function validateInitContainers(
  initContainers: readonly Container[] | undefined,
  containers: readonly Container[] | undefined,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set((containers ?? []).map((c) => c?.name ?? ''));
  (initContainers ?? []).map((c) => c ?? ({} as Container)).forEach((c, i) => {
    const path = `${field}[${i}]`;
    errs.push(...validateContainerCommon(c, path));
    const restartPolicy = c['restartPolicy'];
    const sidecar = restartPolicy === 'Always';
    if (restartPolicy !== undefined && restartPolicy !== null && !sidecar) {
      errs.push(notSupported(`${path}.restartPolicy`, restartPolicy, ['Always']));
    }
    const name = c.name ?? '';
    if (names.has(name)) errs.push(duplicate(`${path}.name`, name));
    else if (name) names.add(name);
    // Init containers run one at a time, so each is only checked against itself. Kubernetes
    // passes a one-element list, so its path always says initContainers[0]; so does ours.
    errs.push(...checkHostPortConflicts([c], field));
    if (!sidecar) {
      for (const key of INIT_ONLY_WITH_ALWAYS) {
        if (c[key] !== undefined && c[key] !== null) errs.push(forbidden(`${path}.${key}`, 'may not be set for init containers without restartPolicy=Always'));
      }
    }
  });
  return errs;
}

/** Pods (not templates) may not have an image with surrounding whitespace. */
export function validateImageWhitespace(containers: readonly Container[] | undefined, field: string): FieldError[] {
  return (containers ?? []).flatMap((c, i) =>
    typeof c?.image === 'string' && c.image !== c.image.trim() ? [invalid(`${field}[${i}].image`, c.image, 'must not have leading or trailing whitespace')] : [],
  );
}
