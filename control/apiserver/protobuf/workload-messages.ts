// apps/v1 Deployment, batch/v1 Job and CronJob, and autoscaling/v1 Scale, from the
// generated.proto files of k8s.io/api/{apps,batch,autoscaling}/v1. Job podFailurePolicy and successPolicy are
// included because `kubectl create job --from=cronjob/x` copies whatever the CronJob has.

import { ObjectReference } from './core-messages.js';
import { IntOrString, LabelSelector, ObjectMeta, Time } from './meta-messages.js';
import { PodTemplateSpec } from './pod-messages.js';
import { list, message, one, optional } from './schema.js';

export const DeploymentSpec = message('apps.v1.DeploymentSpec', {
  1: optional('replicas', 'int32'),
  2: optional('selector', LabelSelector),
  3: one('template', PodTemplateSpec),
  4: one(
    'strategy',
    message('apps.v1.DeploymentStrategy', {
      1: one('type', 'string'),
      2: optional(
        'rollingUpdate',
        message('apps.v1.RollingUpdateDeployment', { 1: optional('maxUnavailable', IntOrString), 2: optional('maxSurge', IntOrString) }),
      ),
    }),
  ),
  5: one('minReadySeconds', 'int32'),
  6: optional('revisionHistoryLimit', 'int32'),
  7: one('paused', 'bool'),
  9: optional('progressDeadlineSeconds', 'int32'),
});

export const DeploymentStatus = message('apps.v1.DeploymentStatus', {
  1: one('observedGeneration', 'int64'),
  2: one('replicas', 'int32'),
  3: one('updatedReplicas', 'int32'),
  7: one('readyReplicas', 'int32'),
  4: one('availableReplicas', 'int32'),
  5: one('unavailableReplicas', 'int32'),
  9: optional('terminatingReplicas', 'int32'),
  6: list(
    'conditions',
    message('apps.v1.DeploymentCondition', {
      1: one('type', 'string'),
      2: one('status', 'string'),
      6: one('lastUpdateTime', Time),
      7: one('lastTransitionTime', Time),
      4: one('reason', 'string'),
      5: one('message', 'string'),
    }),
  ),
  8: optional('collisionCount', 'int32'),
});

export const Deployment = message('apps.v1.Deployment', {
  1: one('metadata', ObjectMeta),
  2: one('spec', DeploymentSpec),
  3: one('status', DeploymentStatus),
});

export const PodFailurePolicy = message('batch.v1.PodFailurePolicy', {
  1: list(
    'rules',
    message('batch.v1.PodFailurePolicyRule', {
      1: one('action', 'string'),
      2: optional(
        'onExitCodes',
        message('batch.v1.PodFailurePolicyOnExitCodesRequirement', {
          1: optional('containerName', 'string'),
          2: one('operator', 'string'),
          3: list('values', 'int32'),
        }),
      ),
      3: list('onPodConditions', message('batch.v1.PodFailurePolicyOnPodConditionsPattern', { 1: one('type', 'string'), 2: one('status', 'string') })),
    }),
  ),
});

export const SuccessPolicy = message('batch.v1.SuccessPolicy', {
  1: list(
    'rules',
    message('batch.v1.SuccessPolicyRule', { 1: optional('succeededIndexes', 'string'), 2: optional('succeededCount', 'int32') }),
  ),
});

export const JobSpec = message('batch.v1.JobSpec', {
  1: optional('parallelism', 'int32'),
  2: optional('completions', 'int32'),
  3: optional('activeDeadlineSeconds', 'int64'),
  11: optional('podFailurePolicy', PodFailurePolicy),
  16: optional('successPolicy', SuccessPolicy),
  7: optional('backoffLimit', 'int32'),
  12: optional('backoffLimitPerIndex', 'int32'),
  13: optional('maxFailedIndexes', 'int32'),
  4: optional('selector', LabelSelector),
  5: optional('manualSelector', 'bool'),
  6: one('template', PodTemplateSpec),
  8: optional('ttlSecondsAfterFinished', 'int32'),
  9: optional('completionMode', 'string'),
  10: optional('suspend', 'bool'),
  14: optional('podReplacementPolicy', 'string'),
  15: optional('managedBy', 'string'),
});

export const JobStatus = message('batch.v1.JobStatus', {
  1: list(
    'conditions',
    message('batch.v1.JobCondition', {
      1: one('type', 'string'),
      2: one('status', 'string'),
      3: one('lastProbeTime', Time),
      4: one('lastTransitionTime', Time),
      5: one('reason', 'string'),
      6: one('message', 'string'),
    }),
  ),
  2: optional('startTime', Time),
  3: optional('completionTime', Time),
  4: one('active', 'int32'),
  5: one('succeeded', 'int32'),
  6: one('failed', 'int32'),
  11: optional('terminating', 'int32'),
  7: one('completedIndexes', 'string'),
  10: optional('failedIndexes', 'string'),
  8: optional(
    'uncountedTerminatedPods',
    message('batch.v1.UncountedTerminatedPods', { 1: list('succeeded', 'string'), 2: list('failed', 'string') }),
  ),
  9: optional('ready', 'int32'),
});

export const Job = message('batch.v1.Job', {
  1: one('metadata', ObjectMeta),
  2: one('spec', JobSpec),
  3: one('status', JobStatus),
});

export const JobTemplateSpec = message('batch.v1.JobTemplateSpec', {
  1: one('metadata', ObjectMeta),
  2: one('spec', JobSpec),
});

export const CronJob = message('batch.v1.CronJob', {
  1: one('metadata', ObjectMeta),
  2: one(
    'spec',
    message('batch.v1.CronJobSpec', {
      1: one('schedule', 'string'),
      8: optional('timeZone', 'string'),
      2: optional('startingDeadlineSeconds', 'int64'),
      3: one('concurrencyPolicy', 'string'),
      4: optional('suspend', 'bool'),
      5: one('jobTemplate', JobTemplateSpec),
      6: optional('successfulJobsHistoryLimit', 'int32'),
      7: optional('failedJobsHistoryLimit', 'int32'),
    }),
  ),
  3: one(
    'status',
    message('batch.v1.CronJobStatus', {
      1: list('active', ObjectReference),
      4: optional('lastScheduleTime', Time),
      5: optional('lastSuccessfulTime', Time),
    }),
  ),
});

/** autoscaling/v1 Scale, for PUT on a scale subresource (k8s.io/api/autoscaling/v1/generated.proto). */
export const Scale = message('autoscaling.v1.Scale', {
  1: one('metadata', ObjectMeta),
  2: one('spec', message('autoscaling.v1.ScaleSpec', { 1: one('replicas', 'int32') })),
  3: one('status', message('autoscaling.v1.ScaleStatus', { 1: one('replicas', 'int32'), 2: one('selector', 'string') })),
});
