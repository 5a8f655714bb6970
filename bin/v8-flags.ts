// V8 settings for the long-running skiff processes, applied from inside the program so
// they hold however skiff is started (the systemd units, `npx skiff`, or a test harness
// spawning `node dist/bin/skiff.js`). This module must be the first import of skiff.ts:
// ES modules evaluate in import order, so it runs before the rest of the code is loaded.
// SKIFF_V8_DEFAULTS=0 leaves V8 at its own defaults (for comparing).
//
// Young generation: V8 lets its two semi-spaces grow to 16 MiB each, and a process that
// allocates steadily (watch events, Docker answers, JSON) soon sits at the maximum, about
// 30 MiB of RSS holding only garbage between scavenges. Skiff's live young objects are
// small, so a young generation kept at its initial size (1 MiB semi-spaces) costs a few
// more, cheaper scavenges and saves that memory. --max-semi-space-size would say it more
// directly, but it only counts on the command line (V8 sizes the heap when the isolate is
// created), which a spawned `node skiff.js` does not get; the growth factor is read each
// time the young generation would grow, so setting it to 1 here works from this point on.
// Measured with 30 idle pods (before commands were loaded lazily): agent RSS 112–113 MiB
// → 77–86 MiB.
//
// Agent only, no optimizing compiler: the agent waits on Docker and the API server and
// runs no hot JavaScript loops, while TurboFan's compiled code and compilation zones cost
// it about 10 MiB of RSS (30 idle pods: peak 78–85 MiB → 66–72 MiB, same machine, same
// hour). Interpreter and baseline code stay. The control server keeps TurboFan: it does
// the cluster's JSON and watch fan-out, and has room in its budget.

import { setFlagsFromString } from 'node:v8';

if (process.env['SKIFF_V8_DEFAULTS'] !== '0') {
  setFlagsFromString('--semi-space-growth-factor=1');
  if (process.argv[2] === 'agent') setFlagsFromString('--no-opt');
}
