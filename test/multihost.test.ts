// Issue 8's end-to-end check on a 3-host rig with the host-gw pod network (the scenario is
// in test/lib/rig/multihost-scenario.ts; test/multihost-vxlan.test.ts runs it on vxlan).
import { multihostSuite } from './lib/rig/multihost-scenario.js';

multihostSuite('host-gw');
