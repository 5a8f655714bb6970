// core/v1 PodSpec and everything under it, from k8s.io/api/core/v1/generated.proto. Left out
// (refused when sent with a value): ephemeralContainers, resourceClaims, container status
// lists, and the volume sources Skiff does not run (cloud disks, NFS, iSCSI, CSI, ...).

import { IntOrString, LabelSelector, ObjectMeta, Quantity, Time } from './meta-messages.js';
import { inline, list, map, message, one, optional } from './schema.js';

export const LocalObjectReference = message('core.v1.LocalObjectReference', { 1: one('name', 'string') });

export const ObjectFieldSelector = message('core.v1.ObjectFieldSelector', {
  1: one('apiVersion', 'string'),
  2: one('fieldPath', 'string'),
});

export const ResourceFieldSelector = message('core.v1.ResourceFieldSelector', {
  1: one('containerName', 'string'),
  2: one('resource', 'string'),
  3: one('divisor', Quantity),
});

const keySelector = (name: string) =>
  message(name, {
    1: inline('localObjectReference', LocalObjectReference),
    2: one('key', 'string'),
    3: optional('optional', 'bool'),
  });

export const EnvVarSource = message('core.v1.EnvVarSource', {
  1: optional('fieldRef', ObjectFieldSelector),
  2: optional('resourceFieldRef', ResourceFieldSelector),
  3: optional('configMapKeyRef', keySelector('core.v1.ConfigMapKeySelector')),
  4: optional('secretKeyRef', keySelector('core.v1.SecretKeySelector')),
});

export const EnvVar = message('core.v1.EnvVar', {
  1: one('name', 'string'),
  2: one('value', 'string'),
  3: optional('valueFrom', EnvVarSource),
});

const envSource = (name: string) =>
  message(name, { 1: inline('localObjectReference', LocalObjectReference), 2: optional('optional', 'bool') });

export const EnvFromSource = message('core.v1.EnvFromSource', {
  1: one('prefix', 'string'),
  2: optional('configMapRef', envSource('core.v1.ConfigMapEnvSource')),
  3: optional('secretRef', envSource('core.v1.SecretEnvSource')),
});

export const ContainerPort = message('core.v1.ContainerPort', {
  1: one('name', 'string'),
  2: one('hostPort', 'int32'),
  3: one('containerPort', 'int32'),
  4: one('protocol', 'string'),
  5: one('hostIP', 'string'),
});

export const ResourceRequirements = message('core.v1.ResourceRequirements', {
  1: map('limits', Quantity),
  2: map('requests', Quantity),
  3: list('claims', message('core.v1.ResourceClaim', { 1: one('name', 'string'), 2: one('request', 'string') })),
});

export const ContainerResizePolicy = message('core.v1.ContainerResizePolicy', {
  1: one('resourceName', 'string'),
  2: one('restartPolicy', 'string'),
});

export const VolumeMount = message('core.v1.VolumeMount', {
  1: one('name', 'string'),
  2: one('readOnly', 'bool'),
  7: optional('recursiveReadOnly', 'string'),
  3: one('mountPath', 'string'),
  4: one('subPath', 'string'),
  5: optional('mountPropagation', 'string'),
  6: one('subPathExpr', 'string'),
});

export const VolumeDevice = message('core.v1.VolumeDevice', { 1: one('name', 'string'), 2: one('devicePath', 'string') });

export const ExecAction = message('core.v1.ExecAction', { 1: list('command', 'string') });

export const HTTPGetAction = message('core.v1.HTTPGetAction', {
  1: one('path', 'string'),
  2: one('port', IntOrString),
  3: one('host', 'string'),
  4: one('scheme', 'string'),
  5: list('httpHeaders', message('core.v1.HTTPHeader', { 1: one('name', 'string'), 2: one('value', 'string') })),
});

export const TCPSocketAction = message('core.v1.TCPSocketAction', { 1: one('port', IntOrString), 2: one('host', 'string') });

export const ProbeHandler = message('core.v1.ProbeHandler', {
  1: optional('exec', ExecAction),
  2: optional('httpGet', HTTPGetAction),
  3: optional('tcpSocket', TCPSocketAction),
  4: optional('grpc', message('core.v1.GRPCAction', { 1: one('port', 'int32'), 2: optional('service', 'string') })),
});

export const Probe = message('core.v1.Probe', {
  1: inline('handler', ProbeHandler),
  2: one('initialDelaySeconds', 'int32'),
  3: one('timeoutSeconds', 'int32'),
  4: one('periodSeconds', 'int32'),
  5: one('successThreshold', 'int32'),
  6: one('failureThreshold', 'int32'),
  7: optional('terminationGracePeriodSeconds', 'int64'),
});

export const LifecycleHandler = message('core.v1.LifecycleHandler', {
  1: optional('exec', ExecAction),
  2: optional('httpGet', HTTPGetAction),
  3: optional('tcpSocket', TCPSocketAction),
  4: optional('sleep', message('core.v1.SleepAction', { 1: one('seconds', 'int64') })),
});

export const Lifecycle = message('core.v1.Lifecycle', {
  1: optional('postStart', LifecycleHandler),
  2: optional('preStop', LifecycleHandler),
  3: optional('stopSignal', 'string'),
});

export const SELinuxOptions = message('core.v1.SELinuxOptions', {
  1: one('user', 'string'),
  2: one('role', 'string'),
  3: one('type', 'string'),
  4: one('level', 'string'),
});

export const WindowsSecurityContextOptions = message('core.v1.WindowsSecurityContextOptions', {
  1: optional('gmsaCredentialSpecName', 'string'),
  2: optional('gmsaCredentialSpec', 'string'),
  3: optional('runAsUserName', 'string'),
  4: optional('hostProcess', 'bool'),
});

const profile = (name: string) => message(name, { 1: one('type', 'string'), 2: optional('localhostProfile', 'string') });
export const SeccompProfile = profile('core.v1.SeccompProfile');
export const AppArmorProfile = profile('core.v1.AppArmorProfile');

export const SecurityContext = message('core.v1.SecurityContext', {
  1: optional('capabilities', message('core.v1.Capabilities', { 1: list('add', 'string'), 2: list('drop', 'string') })),
  2: optional('privileged', 'bool'),
  3: optional('seLinuxOptions', SELinuxOptions),
  10: optional('windowsOptions', WindowsSecurityContextOptions),
  4: optional('runAsUser', 'int64'),
  8: optional('runAsGroup', 'int64'),
  5: optional('runAsNonRoot', 'bool'),
  6: optional('readOnlyRootFilesystem', 'bool'),
  7: optional('allowPrivilegeEscalation', 'bool'),
  9: optional('procMount', 'string'),
  11: optional('seccompProfile', SeccompProfile),
  12: optional('appArmorProfile', AppArmorProfile),
});

export const PodSecurityContext = message('core.v1.PodSecurityContext', {
  1: optional('seLinuxOptions', SELinuxOptions),
  8: optional('windowsOptions', WindowsSecurityContextOptions),
  2: optional('runAsUser', 'int64'),
  6: optional('runAsGroup', 'int64'),
  3: optional('runAsNonRoot', 'bool'),
  4: list('supplementalGroups', 'int64'),
  12: optional('supplementalGroupsPolicy', 'string'),
  5: optional('fsGroup', 'int64'),
  7: list('sysctls', message('core.v1.Sysctl', { 1: one('name', 'string'), 2: one('value', 'string') })),
  9: optional('fsGroupChangePolicy', 'string'),
  10: optional('seccompProfile', SeccompProfile),
  11: optional('appArmorProfile', AppArmorProfile),
  13: optional('seLinuxChangePolicy', 'string'),
});

export const Container = message('core.v1.Container', {
  1: one('name', 'string'),
  2: one('image', 'string'),
  3: list('command', 'string'),
  4: list('args', 'string'),
  5: one('workingDir', 'string'),
  6: list('ports', ContainerPort),
  19: list('envFrom', EnvFromSource),
  7: list('env', EnvVar),
  8: one('resources', ResourceRequirements),
  23: list('resizePolicy', ContainerResizePolicy),
  24: optional('restartPolicy', 'string'),
  9: list('volumeMounts', VolumeMount),
  21: list('volumeDevices', VolumeDevice),
  10: optional('livenessProbe', Probe),
  11: optional('readinessProbe', Probe),
  22: optional('startupProbe', Probe),
  12: optional('lifecycle', Lifecycle),
  13: one('terminationMessagePath', 'string'),
  20: one('terminationMessagePolicy', 'string'),
  14: one('imagePullPolicy', 'string'),
  15: optional('securityContext', SecurityContext),
  16: one('stdin', 'bool'),
  17: one('stdinOnce', 'bool'),
  18: one('tty', 'bool'),
});

export const KeyToPath = message('core.v1.KeyToPath', {
  1: one('key', 'string'),
  2: one('path', 'string'),
  3: optional('mode', 'int32'),
});

export const DownwardAPIVolumeFile = message('core.v1.DownwardAPIVolumeFile', {
  1: one('path', 'string'),
  2: optional('fieldRef', ObjectFieldSelector),
  3: optional('resourceFieldRef', ResourceFieldSelector),
  4: optional('mode', 'int32'),
});

const projection = (name: string) =>
  message(name, {
    1: inline('localObjectReference', LocalObjectReference),
    2: list('items', KeyToPath),
    4: optional('optional', 'bool'),
  });

export const VolumeProjection = message('core.v1.VolumeProjection', {
  1: optional('secret', projection('core.v1.SecretProjection')),
  2: optional('downwardAPI', message('core.v1.DownwardAPIProjection', { 1: list('items', DownwardAPIVolumeFile) })),
  3: optional('configMap', projection('core.v1.ConfigMapProjection')),
  4: optional(
    'serviceAccountToken',
    message('core.v1.ServiceAccountTokenProjection', {
      1: one('audience', 'string'),
      2: optional('expirationSeconds', 'int64'),
      3: one('path', 'string'),
    }),
  ),
});

export const VolumeSource = message('core.v1.VolumeSource', {
  1: optional('hostPath', message('core.v1.HostPathVolumeSource', { 1: one('path', 'string'), 2: optional('type', 'string') })),
  2: optional('emptyDir', message('core.v1.EmptyDirVolumeSource', { 1: one('medium', 'string'), 2: optional('sizeLimit', Quantity) })),
  6: optional(
    'secret',
    message('core.v1.SecretVolumeSource', {
      1: one('secretName', 'string'),
      2: list('items', KeyToPath),
      3: optional('defaultMode', 'int32'),
      4: optional('optional', 'bool'),
    }),
  ),
  10: optional(
    'persistentVolumeClaim',
    message('core.v1.PersistentVolumeClaimVolumeSource', { 1: one('claimName', 'string'), 2: one('readOnly', 'bool') }),
  ),
  16: optional(
    'downwardAPI',
    message('core.v1.DownwardAPIVolumeSource', { 1: list('items', DownwardAPIVolumeFile), 2: optional('defaultMode', 'int32') }),
  ),
  19: optional(
    'configMap',
    message('core.v1.ConfigMapVolumeSource', {
      1: inline('localObjectReference', LocalObjectReference),
      2: list('items', KeyToPath),
      3: optional('defaultMode', 'int32'),
      4: optional('optional', 'bool'),
    }),
  ),
  26: optional(
    'projected',
    message('core.v1.ProjectedVolumeSource', { 1: list('sources', VolumeProjection), 2: optional('defaultMode', 'int32') }),
  ),
  30: optional('image', message('core.v1.ImageVolumeSource', { 1: one('reference', 'string'), 2: one('pullPolicy', 'string') })),
});

export const Volume = message('core.v1.Volume', { 1: one('name', 'string'), 2: inline('volumeSource', VolumeSource) });

export const Toleration = message('core.v1.Toleration', {
  1: one('key', 'string'),
  2: one('operator', 'string'),
  3: one('value', 'string'),
  4: one('effect', 'string'),
  5: optional('tolerationSeconds', 'int64'),
});

export const NodeSelectorRequirement = message('core.v1.NodeSelectorRequirement', {
  1: one('key', 'string'),
  2: one('operator', 'string'),
  3: list('values', 'string'),
});

export const NodeSelectorTerm = message('core.v1.NodeSelectorTerm', {
  1: list('matchExpressions', NodeSelectorRequirement),
  2: list('matchFields', NodeSelectorRequirement),
});

export const PodAffinityTerm = message('core.v1.PodAffinityTerm', {
  1: optional('labelSelector', LabelSelector),
  2: list('namespaces', 'string'),
  3: one('topologyKey', 'string'),
  4: optional('namespaceSelector', LabelSelector),
  5: list('matchLabelKeys', 'string'),
  6: list('mismatchLabelKeys', 'string'),
});

const podAffinity = (name: string) =>
  message(name, {
    1: list('requiredDuringSchedulingIgnoredDuringExecution', PodAffinityTerm),
    2: list(
      'preferredDuringSchedulingIgnoredDuringExecution',
      message('core.v1.WeightedPodAffinityTerm', { 1: one('weight', 'int32'), 2: one('podAffinityTerm', PodAffinityTerm) }),
    ),
  });

export const Affinity = message('core.v1.Affinity', {
  1: optional(
    'nodeAffinity',
    message('core.v1.NodeAffinity', {
      1: optional('requiredDuringSchedulingIgnoredDuringExecution', message('core.v1.NodeSelector', { 1: list('nodeSelectorTerms', NodeSelectorTerm) })),
      2: list(
        'preferredDuringSchedulingIgnoredDuringExecution',
        message('core.v1.PreferredSchedulingTerm', { 1: one('weight', 'int32'), 2: one('preference', NodeSelectorTerm) }),
      ),
    }),
  ),
  2: optional('podAffinity', podAffinity('core.v1.PodAffinity')),
  3: optional('podAntiAffinity', podAffinity('core.v1.PodAntiAffinity')),
});

export const TopologySpreadConstraint = message('core.v1.TopologySpreadConstraint', {
  1: one('maxSkew', 'int32'),
  2: one('topologyKey', 'string'),
  3: one('whenUnsatisfiable', 'string'),
  4: optional('labelSelector', LabelSelector),
  5: optional('minDomains', 'int32'),
  6: optional('nodeAffinityPolicy', 'string'),
  7: optional('nodeTaintsPolicy', 'string'),
  8: list('matchLabelKeys', 'string'),
});

export const PodDNSConfig = message('core.v1.PodDNSConfig', {
  1: list('nameservers', 'string'),
  2: list('searches', 'string'),
  3: list('options', message('core.v1.PodDNSConfigOption', { 1: one('name', 'string'), 2: optional('value', 'string') })),
});

export const PodSpec = message('core.v1.PodSpec', {
  1: list('volumes', Volume),
  20: list('initContainers', Container),
  2: list('containers', Container),
  3: one('restartPolicy', 'string'),
  4: optional('terminationGracePeriodSeconds', 'int64'),
  5: optional('activeDeadlineSeconds', 'int64'),
  6: one('dnsPolicy', 'string'),
  7: map('nodeSelector', 'string'),
  8: one('serviceAccountName', 'string'),
  9: one('serviceAccount', 'string'),
  21: optional('automountServiceAccountToken', 'bool'),
  10: one('nodeName', 'string'),
  11: one('hostNetwork', 'bool'),
  12: one('hostPID', 'bool'),
  13: one('hostIPC', 'bool'),
  27: optional('shareProcessNamespace', 'bool'),
  14: optional('securityContext', PodSecurityContext),
  15: list('imagePullSecrets', LocalObjectReference),
  16: one('hostname', 'string'),
  17: one('subdomain', 'string'),
  18: optional('affinity', Affinity),
  19: one('schedulerName', 'string'),
  22: list('tolerations', Toleration),
  23: list('hostAliases', message('core.v1.HostAlias', { 1: one('ip', 'string'), 2: list('hostnames', 'string') })),
  24: one('priorityClassName', 'string'),
  25: optional('priority', 'int32'),
  26: optional('dnsConfig', PodDNSConfig),
  28: list('readinessGates', message('core.v1.PodReadinessGate', { 1: one('conditionType', 'string') })),
  29: optional('runtimeClassName', 'string'),
  30: optional('enableServiceLinks', 'bool'),
  31: optional('preemptionPolicy', 'string'),
  32: map('overhead', Quantity),
  33: list('topologySpreadConstraints', TopologySpreadConstraint),
  35: optional('setHostnameAsFQDN', 'bool'),
  36: optional('os', message('core.v1.PodOS', { 1: one('name', 'string') })),
  37: optional('hostUsers', 'bool'),
  38: list('schedulingGates', message('core.v1.PodSchedulingGate', { 1: one('name', 'string') })),
  40: optional('resources', ResourceRequirements),
});

export const PodTemplateSpec = message('core.v1.PodTemplateSpec', {
  1: one('metadata', ObjectMeta),
  2: one('spec', PodSpec),
});

export const PodCondition = message('core.v1.PodCondition', {
  1: one('type', 'string'),
  7: one('observedGeneration', 'int64'),
  2: one('status', 'string'),
  3: one('lastProbeTime', Time),
  4: one('lastTransitionTime', Time),
  5: one('reason', 'string'),
  6: one('message', 'string'),
});

const ip = (name: string) => message(name, { 1: one('ip', 'string') });

/** What a client may carry in a Pod's status; the create path resets it anyway. */
export const PodStatus = message('core.v1.PodStatus', {
  17: one('observedGeneration', 'int64'),
  1: one('phase', 'string'),
  2: list('conditions', PodCondition),
  3: one('message', 'string'),
  4: one('reason', 'string'),
  11: one('nominatedNodeName', 'string'),
  5: one('hostIP', 'string'),
  16: list('hostIPs', ip('core.v1.HostIP')),
  6: one('podIP', 'string'),
  12: list('podIPs', ip('core.v1.PodIP')),
  7: optional('startTime', Time),
  9: one('qosClass', 'string'),
  14: one('resize', 'string'),
});
