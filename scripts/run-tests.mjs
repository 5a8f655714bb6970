// Runs every compiled *.test.js under dist/ with node's test runner. Test files are
// independent (each starts its own cluster on its own ports and data dir), so they run
// concurrently; SKIFF_TEST_CONCURRENCY tunes how many at once (default: 3 on 2 cores,
// since most of a cluster test's time is spent waiting on dockerd).
// Extra arguments filter files by substring: `npm test -- store kubectl`.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

function find(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) find(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = find('dist', [])
  .filter((f) => !f.startsWith(join('dist', 'node_modules')))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
const concurrency = process.env.SKIFF_TEST_CONCURRENCY ?? '3';
const child = spawn(
  process.execPath,
  ['--enable-source-maps', '--test', `--test-concurrency=${concurrency}`, ...files],
  { stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
