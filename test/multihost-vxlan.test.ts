// Issue 8's end-to-end check on a 3-host rig with the vxlan pod network (kernel vxlan
// device per host, static FDB and neighbour entries); see test/lib/rig/multihost-scenario.ts.
import { multihostSuite } from './lib/rig/multihost-scenario.js';

multihostSuite('vxlan');
