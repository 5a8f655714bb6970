// Starting a rig by hand, for debugging (scripts/rig.sh wraps this):
//   node dist/test/lib/rig/cli.js up [--hosts 3] [--backend host-gw|vxlan]
//     starts a rig, prints how to reach it, and keeps it until Ctrl-C (then takes it apart);
//   node dist/test/lib/rig/cli.js down
//     takes apart every rig whose owning process is gone (a killed `up` or test run).

import { parseArgs } from 'node:util';
import { startRig, type PodNetworkBackend } from './rig.js';
import { cleanStaleRigs } from './teardown.js';

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { hosts: { type: 'string', default: '3' }, backend: { type: 'string', default: 'host-gw' } },
  });
  const cmd = positionals[0];
  if (cmd === 'down') {
    const cleaned = await cleanStaleRigs();
    console.log(cleaned.length ? `removed rig(s) ${cleaned.join(', ')}` : 'no stale rig');
    return;
  }
  if (cmd !== 'up') {
    console.error('usage: rig up [--hosts N] [--backend host-gw|vxlan] | rig down');
    process.exit(2);
  }
  const backend = values.backend as PodNetworkBackend;
  if (backend !== 'host-gw' && backend !== 'vxlan') throw new Error(`--backend ${backend}: host-gw or vxlan`);
  const rig = await startRig({ hosts: Number(values.hosts), backend });
  console.log(`rig ${rig.n} is up in ${rig.timings.totalMs} ms (${backend}); state and logs in ${rig.dir}`);
  console.log(`  kubectl --kubeconfig ${rig.kubeconfig} get nodes -o wide`);
  for (const h of rig.hosts) console.log(`  host ${h.letter}: ip netns exec ${h.netns} sh   (${h.ip}, containerd ${h.containerdSocket})`);
  console.log('Ctrl-C takes it apart.');
  // test/lib/cluster.ts (imported for waitFor) exits at once on these signals, killing the
  // daemons; here they must take the rig apart instead.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await rig.stop();
  console.log(`rig ${rig.n} removed`);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
