// core/v1 top-level kinds kubectl creates through its typed client (Namespace, ConfigMap,
// Secret, Service, ServiceAccount, Pod) and the Binding a scheduler posts, from k8s.io/api/core/v1/generated.proto.

import { Condition, IntOrString, ObjectMeta, Time } from './meta-messages.js';
import { LocalObjectReference, PodSpec, PodStatus } from './pod-messages.js';
import { list, map, message, one, optional } from './schema.js';

export const ObjectReference = message('core.v1.ObjectReference', {
  1: one('kind', 'string'),
  2: one('namespace', 'string'),
  3: one('name', 'string'),
  4: one('uid', 'string'),
  5: one('apiVersion', 'string'),
  6: one('resourceVersion', 'string'),
  7: one('fieldPath', 'string'),
});

export const Namespace = message('core.v1.Namespace', {
  1: one('metadata', ObjectMeta),
  2: one('spec', message('core.v1.NamespaceSpec', { 1: list('finalizers', 'string') })),
  3: one(
    'status',
    message('core.v1.NamespaceStatus', {
      1: one('phase', 'string'),
      2: list(
        'conditions',
        message('core.v1.NamespaceCondition', {
          1: one('type', 'string'),
          2: one('status', 'string'),
          4: one('lastTransitionTime', Time),
          5: one('reason', 'string'),
          6: one('message', 'string'),
        }),
      ),
    }),
  ),
});

/** binaryData and Secret data are bytes on the wire and base64 in JSON. */
export const ConfigMap = message('core.v1.ConfigMap', {
  1: one('metadata', ObjectMeta),
  4: optional('immutable', 'bool'),
  2: map('data', 'string'),
  3: map('binaryData', 'bytes'),
});

export const Secret = message('core.v1.Secret', {
  1: one('metadata', ObjectMeta),
  5: optional('immutable', 'bool'),
  2: map('data', 'bytes'),
  4: map('stringData', 'string'),
  3: one('type', 'string'),
});

export const ServicePort = message('core.v1.ServicePort', {
  1: one('name', 'string'),
  2: one('protocol', 'string'),
  6: optional('appProtocol', 'string'),
  3: one('port', 'int32'),
  4: one('targetPort', IntOrString),
  5: one('nodePort', 'int32'),
});

export const ServiceSpec = message('core.v1.ServiceSpec', {
  1: list('ports', ServicePort),
  2: map('selector', 'string'),
  3: one('clusterIP', 'string'),
  18: list('clusterIPs', 'string'),
  4: one('type', 'string'),
  5: list('externalIPs', 'string'),
  7: one('sessionAffinity', 'string'),
  8: one('loadBalancerIP', 'string'),
  9: list('loadBalancerSourceRanges', 'string'),
  10: one('externalName', 'string'),
  11: one('externalTrafficPolicy', 'string'),
  12: one('healthCheckNodePort', 'int32'),
  13: one('publishNotReadyAddresses', 'bool'),
  14: optional(
    'sessionAffinityConfig',
    message('core.v1.SessionAffinityConfig', {
      1: optional('clientIP', message('core.v1.ClientIPConfig', { 1: optional('timeoutSeconds', 'int32') })),
    }),
  ),
  19: list('ipFamilies', 'string'),
  17: optional('ipFamilyPolicy', 'string'),
  20: optional('allocateLoadBalancerNodePorts', 'bool'),
  21: optional('loadBalancerClass', 'string'),
  22: optional('internalTrafficPolicy', 'string'),
  23: optional('trafficDistribution', 'string'),
});

export const ServiceStatus = message('core.v1.ServiceStatus', {
  1: one(
    'loadBalancer',
    message('core.v1.LoadBalancerStatus', {
      1: list(
        'ingress',
        message('core.v1.LoadBalancerIngress', {
          1: one('ip', 'string'),
          2: one('hostname', 'string'),
          3: optional('ipMode', 'string'),
          4: list(
            'ports',
            message('core.v1.PortStatus', { 1: one('port', 'int32'), 2: one('protocol', 'string'), 3: optional('error', 'string') }),
          ),
        }),
      ),
    }),
  ),
  2: list('conditions', Condition),
});

export const Service = message('core.v1.Service', {
  1: one('metadata', ObjectMeta),
  2: one('spec', ServiceSpec),
  3: one('status', ServiceStatus),
});

export const Pod = message('core.v1.Pod', {
  1: one('metadata', ObjectMeta),
  2: one('spec', PodSpec),
  3: one('status', PodStatus),
});

export const Binding = message('core.v1.Binding', {
  1: one('metadata', ObjectMeta),
  2: one('target', ObjectReference),
});

export const ServiceAccount = message('core.v1.ServiceAccount', {
  1: one('metadata', ObjectMeta),
  2: list('secrets', ObjectReference),
  3: list('imagePullSecrets', LocalObjectReference),
  4: optional('automountServiceAccountToken', 'bool'),
});
