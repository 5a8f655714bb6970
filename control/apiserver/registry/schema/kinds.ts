// Shapes of the kinds served, for the decode-time type check (schema.ts). Structs are
// described closed (unknown fields reported) only where the description is complete;
// elsewhere they are open, so a valid field we have not described is never refused.

import { any, arrayOf, bool, int, intOrString, mapOf, object, quantity, str, stringMap, strings, type Schema } from './schema.js';

export const objectMeta = object('ObjectMeta', {
  name: str,
  generateName: str,
  namespace: str,
  selfLink: str,
  uid: str,
  resourceVersion: str,
  generation: int,
  creationTimestamp: str,
  deletionTimestamp: str,
  deletionGracePeriodSeconds: int,
  labels: stringMap,
  annotations: stringMap,
  ownerReferences: arrayOf(object('OwnerReference', { apiVersion: str, kind: str, name: str, uid: str, controller: bool, blockOwnerDeletion: bool })),
  finalizers: strings,
  managedFields: arrayOf(any),
});

const envVar = object('EnvVar', { name: str, value: str, valueFrom: object('EnvVarSource', {}, true) });
const containerPort = object('ContainerPort', { name: str, hostPort: int, containerPort: int, protocol: str, hostIP: str });
const resources = object('ResourceRequirements', { limits: mapOf(quantity), requests: mapOf(quantity), claims: arrayOf(any) });
const handler = object('ProbeHandler', {
  exec: object('ExecAction', { command: strings }),
  httpGet: object('HTTPGetAction', { path: str, port: intOrString, host: str, scheme: str, httpHeaders: arrayOf(object('HTTPHeader', { name: str, value: str })) }),
  tcpSocket: object('TCPSocketAction', { port: intOrString, host: str }),
  grpc: object('GRPCAction', { port: int, service: str }),
}, true);
const probe = object('Probe', {
  ...(handler.t === 'object' ? handler.fields : {}),
  initialDelaySeconds: int,
  timeoutSeconds: int,
  periodSeconds: int,
  successThreshold: int,
  failureThreshold: int,
  terminationGracePeriodSeconds: int,
});
const lifecycle = object('Lifecycle', { postStart: handler, preStop: handler, stopSignal: str });

export const container = object(
  'Container',
  {
    name: str,
    image: str,
    command: strings,
    args: strings,
    workingDir: str,
    ports: arrayOf(containerPort),
    envFrom: arrayOf(object('EnvFromSource', {}, true)),
    env: arrayOf(envVar),
    resources,
    resizePolicy: arrayOf(any),
    restartPolicy: str,
    volumeMounts: arrayOf(object('VolumeMount', { name: str, readOnly: bool, mountPath: str, subPath: str, subPathExpr: str, mountPropagation: str, recursiveReadOnly: str })),
    volumeDevices: arrayOf(any),
    livenessProbe: probe,
    readinessProbe: probe,
    startupProbe: probe,
    lifecycle,
    terminationMessagePath: str,
    terminationMessagePolicy: str,
    imagePullPolicy: str,
    securityContext: object('SecurityContext', {}, true),
    stdin: bool,
    stdinOnce: bool,
    tty: bool,
  },
);

const toleration = object('Toleration', { key: str, operator: str, value: str, effect: str, tolerationSeconds: int });

export const podSpec = object(
  'PodSpec',
  {
    volumes: arrayOf(object('Volume', { name: str }, true)),
    initContainers: arrayOf(container),
    containers: arrayOf(container),
    ephemeralContainers: arrayOf(any),
    restartPolicy: str,
    terminationGracePeriodSeconds: int,
    activeDeadlineSeconds: int,
    dnsPolicy: str,
    nodeSelector: stringMap,
    serviceAccountName: str,
    serviceAccount: str,
    automountServiceAccountToken: bool,
    nodeName: str,
    hostNetwork: bool,
    hostPID: bool,
    hostIPC: bool,
    shareProcessNamespace: bool,
    securityContext: object('PodSecurityContext', {}, true),
    imagePullSecrets: arrayOf(object('LocalObjectReference', { name: str })),
    hostname: str,
    subdomain: str,
    affinity: object('Affinity', {}, true),
    schedulerName: str,
    tolerations: arrayOf(toleration),
    hostAliases: arrayOf(object('HostAlias', { ip: str, hostnames: strings })),
    priorityClassName: str,
    priority: int,
    dnsConfig: object('PodDNSConfig', {}, true),
    readinessGates: arrayOf(object('PodReadinessGate', { conditionType: str })),
    runtimeClassName: str,
    enableServiceLinks: bool,
    preemptionPolicy: str,
    overhead: mapOf(quantity),
    topologySpreadConstraints: arrayOf(any),
    setHostnameAsFQDN: bool,
    os: object('PodOS', { name: str }),
    hostUsers: bool,
    schedulingGates: arrayOf(object('PodSchedulingGate', { name: str })),
    resourceClaims: arrayOf(any),
    resources,
  },
);

/** A top-level object: apiVersion, kind, metadata and the kind's own sections. */
export function kind(go: string, sections: Record<string, Schema>): Schema {
  return object(go, { apiVersion: str, kind: str, metadata: objectMeta, ...sections });
}

const openSection = (go: string) => object(go, {}, true);

export const podSchema = kind('Pod', { spec: podSpec, status: openSection('PodStatus') });
export const nodeSchema = kind('Node', {
  spec: object('NodeSpec', { podCIDR: str, podCIDRs: strings, providerID: str, unschedulable: bool, taints: arrayOf(object('Taint', { key: str, value: str, effect: str, timeAdded: str })), configSource: any, externalID: str }),
  status: openSection('NodeStatus'),
});
export const namespaceSchema = kind('Namespace', { spec: object('NamespaceSpec', { finalizers: strings }), status: openSection('NamespaceStatus') });
export const leaseSchema = kind('Lease', {
  spec: object('LeaseSpec', { holderIdentity: str, leaseDurationSeconds: int, acquireTime: str, renewTime: str, leaseTransitions: int, strategy: str, preferredHolder: str }),
});

/** Kinds without a full description: metadata is checked; every other section is open. */
export function openKind(go: string): Schema {
  return object(go, { apiVersion: str, kind: str, metadata: objectMeta }, true);
}

