// V8 settings for the long-running skiff processes, applied from inside the program so
// they hold however skiff is started (the systemd units, `npx skiff`, or a test harness
// spawning `node dist/bin/skiff.js`). This module must be the first import of skiff.ts:
// ES modules evaluate in import order, so it runs before the rest of the code is loaded.
//
// Why: V8 lets the young generation (two semi-spaces) grow to 16 MiB each, and an agent
// that allocates steadily (watch events, Docker answers, JSON) soon sits at the maximum,
// about 30 MiB of RSS that holds only garbage between scavenges. Skiff's live young
// objects are small, so a young generation kept at its initial size (1 MiB semi-spaces)
// costs a few more, cheaper scavenges and saves that memory. Measured with 30 idle pods
// (1 MiB semi-spaces alone, before commands were loaded lazily): agent RSS 112–113 MiB
// → 77–86 MiB; bench/run.ts prints the current figure.
//
// --max-semi-space-size only counts when given on the command line (V8 sizes the heap when
// the isolate is created), which a spawned `node skiff.js` does not get. The growth factor
// is read each time the young generation would grow, so setting it to 1 here keeps the
// young generation at its initial size from this point on. SKIFF_V8_DEFAULTS=0 turns it off.

import { setFlagsFromString } from 'node:v8';

if (process.env['SKIFF_V8_DEFAULTS'] !== '0') {
  setFlagsFromString('--semi-space-growth-factor=1');
}
