// Which controllers run, chosen as kube-controller-manager's --controllers flag chooses:
// a comma list of names, `*` for all, `-name` to leave one out ("*,-deployment").

export const CONTROLLER_NAMES = [
  'scheduler',
  'nodeipam',
  'nodelifecycle',
  'namespace',
  'garbagecollector',
  'endpoint',
  'endpointslice',
  'replicaset',
  'deployment',
  'daemonset',
  'job',
  'cronjob',
  'disruption',
] as const;

export type ControllerName = (typeof CONTROLLER_NAMES)[number];

export class ControllerSetError extends Error {
  readonly code = 'UnknownController';
}

export function parseControllerSet(spec: string): Set<ControllerName> {
  const enabled = new Set<ControllerName>();
  const known = new Set<string>(CONTROLLER_NAMES);
  for (const raw of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (raw === '*') {
      CONTROLLER_NAMES.forEach((n) => enabled.add(n));
      continue;
    }
    const off = raw.startsWith('-');
    const name = off ? raw.slice(1) : raw;
    if (!known.has(name)) throw new ControllerSetError(`unknown controller "${name}"; known: ${CONTROLLER_NAMES.join(', ')}`);
    if (off) enabled.delete(name as ControllerName);
    else enabled.add(name as ControllerName);
  }
  return enabled;
}
