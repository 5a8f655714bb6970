// The CRI messages as the gRPC client hands them over: the specification's snake_case
// field names, int64 as decimal strings, enums by name. Only the fields Skiff uses.

export type Labels = Record<string, string>;

export interface CriPodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export type CriSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type CriContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export interface CriPodSandbox {
  id: string;
  metadata: CriPodSandboxMetadata | null;
  state: CriSandboxState;
  created_at: string;
  labels: Labels;
  annotations: Labels;
}

export interface CriPodSandboxStatus extends CriPodSandbox {
  network: { ip: string } | null;
}

export interface CriContainerMetadata {
  name: string;
  attempt: number;
}

export interface CriContainer {
  id: string;
  pod_sandbox_id: string;
  metadata: CriContainerMetadata | null;
  image: { image: string } | null;
  image_ref: string;
  state: CriContainerState;
  created_at: string;
  labels: Labels;
  annotations: Labels;
}

export interface CriContainerStatus {
  id: string;
  metadata: CriContainerMetadata | null;
  state: CriContainerState;
  created_at: string;
  started_at: string;
  finished_at: string;
  exit_code: number;
  image: { image: string } | null;
  image_ref: string;
  reason: string;
  message: string;
  labels: Labels;
  annotations: Labels;
  log_path: string;
}

export interface CriImage {
  id: string;
  repo_tags: string[];
  repo_digests: string[];
  size: string;
}
