// The kinds a protobuf body may carry, by apiVersion and kind: what kubectl's typed client
// creates (namespaces, configmaps, secrets, services, serviceaccounts, deployments, jobs,
// cronjobs, pods), the Binding a scheduler posts, the Scale a typed client PUTs to a scale
// subresource, and the DeleteOptions a typed client sends with a delete.

import { Binding, ConfigMap, Namespace, Pod, Secret, Service, ServiceAccount } from './core-messages.js';
import { DeleteOptions } from './meta-messages.js';
import type { MessageSpec } from './schema.js';
import { CronJob, Deployment, Job, Scale } from './workload-messages.js';

const kinds = new Map<string, MessageSpec>([
  ['v1/Namespace', Namespace],
  ['v1/ConfigMap', ConfigMap],
  ['v1/Secret', Secret],
  ['v1/Service', Service],
  ['v1/ServiceAccount', ServiceAccount],
  ['v1/Pod', Pod],
  ['v1/Binding', Binding],
  ['apps/v1/Deployment', Deployment],
  ['batch/v1/Job', Job],
  ['batch/v1/CronJob', CronJob],
  ['autoscaling/v1/Scale', Scale],
]);

export function messageFor(apiVersion: string, kind: string): MessageSpec | undefined {
  // DeleteOptions is registered in every group version, so clients label it with theirs.
  if (kind === 'DeleteOptions') return DeleteOptions;
  return kinds.get(`${apiVersion}/${kind}`);
}
