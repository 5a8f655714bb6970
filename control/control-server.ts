// `skiff control`: the store, the API server in front of it, and the in-process clients of
// the API (scheduler, controllers). Start order: data dir → TLS and tokens → store → API
// server → kubeconfig → scheduler and controllers. Stop runs the reverse, within a deadline.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ApiClient } from '../api/client.js';
import { createRecorder } from '../api/events.js';
import { writeKubeconfig } from '../api/kubeconfig.js';
import { ApiServer } from './apiserver/server.js';
import { Authenticator } from './apiserver/auth.js';
import { credentialObjects, NodeJoin } from './apiserver/node-join.js';
import { NodeCredentials } from './pki/node-credentials.js';
import { buildStorages, ensureSystemNamespaces } from './apiserver/registry/index.js';
import type { PodAdmission } from './apiserver/registry/pod-strategy.js';
import { DeploymentController } from './controllers/deployment-controller.js';
import { DaemonSetController } from './controllers/daemonset/daemonset-controller.js';
import { JobController } from './controllers/job/job-controller.js';
import { CronJobController } from './controllers/cronjob/cronjob-controller.js';
import { DisruptionController } from './controllers/disruption/disruption-controller.js';
import { CONTROLLER_MANAGER_LEASE, CONTROLLER_MANAGER_LEASE_NAMESPACE, controlServerIdentity } from './controllers/leader-election/identity.js';
import { LeaderElector } from './controllers/leader-election/leader-elector.js';
import { CONTROLLER_NAMES, type ControllerName } from './controllers/controller-set.js';
import { GarbageCollector } from './controllers/garbage-collector.js';
import { NamespaceController } from './controllers/namespace-controller.js';
import { NodeIpamController } from './controllers/node-ipam.js';
import { EndpointsController } from './controllers/endpoints-controller.js';
import { EndpointSliceController } from './controllers/endpointslice-controller.js';
import { NodeLifecycleController } from './controllers/node-lifecycle.js';
import { ensureKubernetesService } from './apiserver/registry/service-allocation/kubernetes-service.js';
import { ensureKubeDnsService } from './apiserver/registry/service-allocation/kube-dns-service.js';
import { advertiseAddress, ensureKubernetesEndpoints } from './apiserver/registry/service-allocation/kubernetes-endpoints.js';
import { ServiceAllocator } from './apiserver/registry/service-allocation/service-allocator.js';
import { ServiceStorage } from './apiserver/registry/service-allocation/service-storage.js';
import { ReplicaSetController } from './controllers/replicaset-controller.js';
import { ensureServingCertificates, ensureTokens } from './pki/index.js';
import { Scheduler } from './scheduler/scheduler.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import type { Store } from './store/store.js';

export interface ControlOptions {
  dataDir: string;
  listenHost: string;
  listenPort: number;
  clusterCidr: string;
  nodeCidrMaskSize: number;
  /** Range cluster IPs come from (the first address is the `kubernetes` Service's). */
  serviceCidr: string;
  /** LOW-HIGH range node ports come from. */
  serviceNodePortRange: string;
  tlsSans: string[];
  /** Where other hosts (and pods, through the `kubernetes` Service) reach the API; default: see advertiseAddress(). */
  advertiseAddress?: string | undefined;
  /** Revisions of history kept for watch resumption, and how often older ones are dropped. */
  storeHistory: number;
  storeCompactIntervalMs: number;
  /** Silence after which a node is Unknown, and how often nodes are checked. */
  nodeMonitorGracePeriodMs: number;
  nodeMonitorPeriodMs: number;
  /** The controllers (and scheduler) to run. */
  controllers: Set<ControllerName>;
  /** tolerationSeconds the DefaultTolerationSeconds admission gives new pods. */
  podAdmission: PodAdmission;
  logger: Logger;
  version: string;
}

export interface RunningControl {
  /** URL clients on this host use. */
  url: string;
  port: number;
  caPem: string;
  adminToken: string;
  /** The full join token (also in <dataDir>/node-token). */
  nodeToken: string;
  nodeTokenPath: string;
  kubeconfigPath: string;
  /** Runs the in-process components until signal aborts, then stops everything. */
  run(signal: AbortSignal): Promise<void>;
}

export async function startControl(o: ControlOptions): Promise<RunningControl> {
  const log = o.logger;
  await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
  const tls = await ensureServingCertificates(o.dataDir, { hosts: o.tlsSans });
  if (tls.issuedBecause) log.info({ reason: tls.issuedBecause }, 'serving certificate issued');
  const tokens = await ensureTokens(o.dataDir);
  const store: Store = SqliteStore.open(join(o.dataDir, 'state.db'), {
    historyRetention: o.storeHistory,
    compactIntervalMs: o.storeCompactIntervalMs,
    logger: log.child({ component: 'store' }),
  });
  let server: ApiServer | undefined;
  try {
    const storages = buildStorages(store, o.podAdmission, new ServiceAllocator(o.serviceCidr, o.serviceNodePortRange));
    await ensureSystemNamespaces(storages);
    // Allocations are not stored apart: the stored Services are the record, read back
    // before anything is served so no address or port is handed out twice.
    const services = storages.find((s): s is ServiceStorage => s instanceof ServiceStorage)!;
    for (const c of await services.restoreAllocations()) log.warn(c, 'service holds an address or port outside the ranges or held twice');
    const authenticator = new Authenticator();
    authenticator.addToken(tokens.adminToken, { name: 'admin', groups: ['system:masters', 'system:authenticated'] });
    // The node token is a join secret only: agents trade it (or a bootstrap token) for their
    // own node credential at NODE_JOIN_PATH, and authenticate with that from then on.
    const credentialStore = credentialObjects(storages);
    const nodeCredentials = new NodeCredentials(credentialStore);
    authenticator.addAuthenticator(nodeCredentials);
    server = new ApiServer({
      store,
      storages,
      authenticator,
      nodeJoin: new NodeJoin(credentialStore, nodeCredentials, tokens.nodeSecret),
      tls: { certPem: tls.certPem, keyPem: tls.keyPem, caPem: tls.caCertPem },
      logger: log.child({ component: 'apiserver' }),
      version: o.version,
    });
    const bound = await server.listen(o.listenHost, o.listenPort);
    const localHost = o.listenHost === '0.0.0.0' || o.listenHost === '::' ? '127.0.0.1' : o.listenHost;
    const url = `https://${localHost.includes(':') ? `[${localHost}]` : localHost}:${bound.port}`;
    await ensureKubernetesService(services, bound.port);
    await ensureKubeDnsService(services, log);
    const advertised = o.advertiseAddress ?? advertiseAddress(o.listenHost);
    const endpointStorage = (resource: string) => storages.find((s) => s.type.resource === resource)!;
    if (advertised) await ensureKubernetesEndpoints(endpointStorage('endpoints'), endpointStorage('endpointslices'), advertised, bound.port);
    else log.warn('no address to advertise: the kubernetes Service has no endpoints (pass --advertise-address)');
    const kubeconfigPath = join(o.dataDir, 'admin.kubeconfig');
    await writeKubeconfig(kubeconfigPath, { server: url, caPem: tls.caCertPem, token: tokens.adminToken });
    log.info({ url, kubeconfig: kubeconfigPath }, 'API server listening');
    const apiServer = server;
    return {
      url,
      port: bound.port,
      caPem: tls.caCertPem,
      adminToken: tokens.adminToken,
      nodeToken: tokens.nodeToken,
      nodeTokenPath: join(o.dataDir, 'node-token'),
      kubeconfigPath,
      run: (signal) => runComponents(o, { url, caPem: tls.caCertPem, token: tokens.adminToken }, apiServer, store, signal),
    };
  } catch (err) {
    await server?.close().catch(() => undefined);
    await store.close();
    throw err;
  }
}

async function runComponents(o: ControlOptions, creds: { url: string; caPem: string; token: string }, server: ApiServer, store: Store, signal: AbortSignal): Promise<void> {
  const log = o.logger;
  const client = new ApiClient({ server: creds.url, token: creds.token, caPem: creds.caPem, userAgent: 'skiff-control' });
  const recorder = (component: string) => createRecorder(client, { component }, log);
  const logger = (component: string) => log.child({ component });
  // Built only when enabled: a controller's constructor already sets up its informers.
  const controllers: Record<ControllerName, () => { run(signal: AbortSignal): Promise<void> }> = {
    // Decisions stay one at a time (each is made and assumed before the next); up to 16
    // bindings are in flight, as kube-scheduler binds asynchronously.
    scheduler: () => new Scheduler({ client, logger: logger('scheduler'), record: recorder('default-scheduler'), parallelism: 16 }),
    nodeipam: () => new NodeIpamController({ client, logger: logger('node-ipam'), clusterCidr: o.clusterCidr, nodeMaskSize: o.nodeCidrMaskSize }),
    nodelifecycle: () =>
      new NodeLifecycleController({ client, logger: logger('node-lifecycle'), record: recorder('node-controller'), gracePeriodMs: o.nodeMonitorGracePeriodMs, monitorPeriodMs: o.nodeMonitorPeriodMs }),
    namespace: () => new NamespaceController(client, logger('namespace-controller')),
    garbagecollector: () => new GarbageCollector(client, logger('garbage-collector')),
    endpoint: () => new EndpointsController(client, logger('endpoints-controller')),
    endpointslice: () => new EndpointSliceController(client, logger('endpointslice-controller')),
    replicaset: () => new ReplicaSetController({ client, logger: logger('replicaset-controller'), record: recorder('replicaset-controller') }),
    deployment: () => new DeploymentController({ client, logger: logger('deployment-controller'), record: recorder('deployment-controller') }),
    daemonset: () => new DaemonSetController({ client, logger: logger('daemonset-controller'), record: recorder('daemonset-controller') }),
    job: () => new JobController({ client, logger: logger('job-controller'), record: recorder('job-controller') }),
    cronjob: () => new CronJobController({ client, logger: logger('cronjob-controller'), record: recorder('cronjob-controller') }),
    disruption: () => new DisruptionController({ client, logger: logger('disruption-controller'), record: recorder('controllermanager') }),
  };
  // The scheduler and controllers act only while this server holds the Lease, so several
  // control servers can share a store; each term builds them afresh (their informers start
  // from a new list).
  const enabled = CONTROLLER_NAMES.filter((n) => o.controllers.has(n));
  const elector = new LeaderElector({
    client,
    logger: logger('leader-election'),
    namespace: CONTROLLER_MANAGER_LEASE_NAMESPACE,
    name: CONTROLLER_MANAGER_LEASE,
    identity: controlServerIdentity(o.dataDir),
  });
  const lead = async (leading: AbortSignal) => {
    log.info({ controllers: enabled }, 'controllers started');
    await Promise.allSettled(enabled.map((n) => controllers[n]().run(leading)));
  };
  const components = enabled.length > 0 ? [elector.run(signal, lead)] : [];
  await new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));
  log.info('stopping');
  // Reverse start order: controllers drain, then the API server closes, then the store.
  await withDeadline(Promise.allSettled(components), 5_000);
  client.close();
  await withDeadline(server.close(), 5_000);
  await store.close();
  log.info('stopped');
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);
}
