// Pod manifests for tests, as YAML text (what users feed kubectl).

export interface PodManifestOptions {
  name: string;
  image: string;
  command?: string[];
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  grace?: number;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  ports?: { containerPort: number; hostPort?: number; name?: string }[];
  labels?: Record<string, string>;
  namespace?: string;
}

export function podManifest(o: PodManifestOptions): string {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}), labels: o.labels ?? { app: o.name } },
    spec: {
      ...(o.restartPolicy ? { restartPolicy: o.restartPolicy } : {}),
      terminationGracePeriodSeconds: o.grace ?? 5,
      containers: [
        {
          name: 'main',
          image: o.image,
          ...(o.command ? { command: o.command } : {}),
          ...(o.resources ? { resources: o.resources } : {}),
          ...(o.ports ? { ports: o.ports } : {}),
        },
      ],
    },
  };
  // JSON is YAML; kubectl reads either.
  return JSON.stringify(pod, null, 2);
}

/** A shell loop that exits promptly on SIGTERM (PID 1 ignores signals it does not handle). */
export const sleepForever = ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"];
