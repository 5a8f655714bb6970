// The probe and lifecycle-handler shapes of core/v1, as the kubelet reads them. The API
// types keep them as extra fields on Container; these interfaces give them names here.

import type { Container } from '../../../api/types.js';

export interface ExecAction {
  command?: string[];
}

export interface HTTPHeader {
  name: string;
  value: string;
}

export interface HTTPGetAction {
  path?: string;
  port: number | string;
  host?: string;
  scheme?: 'HTTP' | 'HTTPS';
  httpHeaders?: HTTPHeader[];
}

export interface TCPSocketAction {
  port: number | string;
  host?: string;
}

/** What a probe or a lifecycle hook runs: exactly one of these is set. */
export interface Handler {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  sleep?: { seconds: number };
}

export interface Probe extends Handler {
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

export type ProbeType = 'liveness' | 'readiness' | 'startup';

export interface Lifecycle {
  postStart?: Handler;
  preStop?: Handler;
}

export function probeOf(c: Container, type: ProbeType): Probe | undefined {
  const p = c[`${type}Probe`];
  return p && typeof p === 'object' ? (p as Probe) : undefined;
}

export function lifecycleOf(c: Container): Lifecycle {
  const l = c['lifecycle'];
  return l && typeof l === 'object' ? (l as Lifecycle) : {};
}

/** Kubernetes' probe defaults (the API server sets them too; a pod from elsewhere may not). */
export function probeTiming(p: Probe): Required<Pick<Probe, 'initialDelaySeconds' | 'timeoutSeconds' | 'periodSeconds' | 'successThreshold' | 'failureThreshold'>> {
  return {
    initialDelaySeconds: p.initialDelaySeconds ?? 0,
    timeoutSeconds: p.timeoutSeconds || 1,
    periodSeconds: p.periodSeconds || 10,
    successThreshold: p.successThreshold || 1,
    failureThreshold: p.failureThreshold || 3,
  };
}

/** "Liveness", "Readiness", "Startup": how events name a probe. */
export function probeTitle(type: ProbeType): string {
  return type[0]!.toUpperCase() + type.slice(1);
}
