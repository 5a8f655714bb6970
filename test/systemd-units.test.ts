// The systemd units go through the real `systemd-analyze verify`, and install.sh runs for
// real into a temporary root. The verifier runs with --root on that installed tree, so the
// units are checked exactly as installed, ExecStart=/opt/skiff/bin/skiff included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const systemdDir = join(repo, 'systemd');
const installSh = join(systemdDir, 'install.sh');
const UNITS = ['skiff-control.service', 'skiff-agent.service'];

function requireSystemdAnalyze(): void {
  const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    assert.fail(
      'systemd-analyze is not available, so the units cannot be verified; install it with `apt-get install -y systemd`' +
        (probe.error ? ` (${probe.error.message})` : ''),
    );
  }
}

// verify exits 0 on many real mistakes (unknown keys, bad values are "ignored" with a
// warning), so anything it prints counts as a failure too.
function verify(root: string, units: string[]): { ok: boolean; output: string } {
  const r = spawnSync('systemd-analyze', ['verify', `--root=${root}`, ...units], { encoding: 'utf8' });
  const output = `${r.stdout}${r.stderr}`.trim();
  return { ok: r.status === 0 && output === '', output };
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

function tempDir(t: import('node:test').TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// A checkout as install.sh expects one: the real package.json, lockfile, node_modules and
// systemd/ files, and a stand-in dist/ so the test does not depend on the CLI being built.
function fakeCheckout(t: import('node:test').TestContext): string {
  const src = join(tempDir(t, 'skiff-install-src-'), 'skiff');
  mkdirSync(join(src, 'dist', 'bin'), { recursive: true });
  mkdirSync(join(src, 'systemd'));
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(repo, f), join(src, f));
  for (const f of readdirSync(systemdDir)) copyFileSync(join(systemdDir, f), join(src, 'systemd', f));
  symlinkSync(join(repo, 'node_modules'), join(src, 'node_modules'));
  writeFileSync(join(src, 'dist', 'bin', 'skiff.js'), 'console.log("skiff");\n');
  writeFileSync(join(src, 'dist', 'bin', 'skiff.test.js'), '');
  return src;
}

function install(src: string, root: string, args: string[]): SpawnSyncReturns<string> {
  return spawnSync('bash', [join(src, 'systemd', 'install.sh'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, SKIFF_INSTALL_ROOT: root },
    timeout: 120_000,
  });
}

function explain(r: SpawnSyncReturns<string>): string {
  return `exit ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

// The verifier resolves dependencies such as sysinit.target inside --root, so the temp
// root gets a copy of the host's stock unit directory (symlinks kept as they are).
function addStockUnits(root: string): void {
  const stock = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((d) => existsSync(join(d, 'sysinit.target')));
  assert.ok(stock, 'no stock systemd units (sysinit.target) found on this host; apt-get install -y systemd');
  mkdirSync(join(root, 'usr', 'lib', 'systemd'), { recursive: true });
  execFileSync('cp', ['-a', stock, join(root, 'usr', 'lib', 'systemd', 'system')]);
}

test('install.sh is valid bash', () => {
  const r = spawnSync('bash', ['-n', installSh], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('install.sh --role both installs the package, units and env files with the right modes, and is idempotent', async (t) => {
  requireSystemdAnalyze();
  const src = fakeCheckout(t);
  const root = tempDir(t, 'skiff-install-root-');

  const first = install(src, root, ['--role', 'both', '--skip-build']);
  assert.equal(first.status, 0, explain(first));

  const opt = join(root, 'opt', 'skiff');
  const wrapper = join(opt, 'bin', 'skiff');
  assert.equal(mode(wrapper), 0o755);
  const wrapperText = readFileSync(wrapper, 'utf8');
  assert.match(wrapperText, /^#!\/bin\/sh\n/);
  assert.match(wrapperText, /exec "\$NODE" \/opt\/skiff\/dist\/bin\/skiff\.js "\$@"/);
  assert.ok(existsSync(join(opt, 'dist', 'bin', 'skiff.js')));
  assert.ok(!existsSync(join(opt, 'dist', 'bin', 'skiff.test.js')), 'test files are not installed');
  assert.ok(existsSync(join(opt, 'package.json')));
  assert.ok(existsSync(join(opt, 'systemd', 'skiff-agent.service')));
  assert.ok(existsSync(join(opt, 'node_modules', 'yaml', 'package.json')), 'runtime dependencies are installed');
  assert.ok(!existsSync(join(opt, 'node_modules', 'typescript')), 'dev dependencies are pruned');
  assert.ok(existsSync(join(src, 'node_modules', 'typescript')), "the checkout's node_modules is untouched");
  assert.equal(readlinkSync(join(root, 'usr', 'local', 'bin', 'skiff')), '/opt/skiff/bin/skiff');
  assert.deepEqual(readdirSync(join(root, 'opt')), ['skiff'], 'no staging leftovers');

  for (const unit of UNITS) {
    const path = join(root, 'etc', 'systemd', 'system', unit);
    assert.equal(mode(path), 0o644, unit);
    assert.equal(readFileSync(path, 'utf8'), readFileSync(join(systemdDir, unit), 'utf8'));
  }
  for (const name of ['control', 'agent']) {
    assert.equal(mode(join(root, 'etc', 'skiff', `${name}.env`)), 0o600, `${name}.env`);
    assert.equal(mode(join(root, 'etc', 'skiff', `${name}.env.example`)), 0o644, `${name}.env.example`);
  }
  assert.equal(mode(join(root, 'etc', 'skiff')), 0o755);
  assert.match(first.stdout, /systemctl daemon-reload\n\s+systemctl enable --now skiff-control\.service skiff-agent\.service/);

  // The installed units pass the real verifier with ExecStart resolved inside the root.
  addStockUnits(root);
  const verified = verify(root, UNITS);
  assert.ok(verified.ok, `systemd-analyze verify failed:\n${verified.output}`);

  // Run again: the package is replaced, edited env files are kept.
  const agentEnv = join(root, 'etc', 'skiff', 'agent.env');
  writeFileSync(agentEnv, 'SKIFF_SERVER=https://10.0.0.1:6443\n');
  const second = install(src, root, ['--role=both', '--skip-build']);
  assert.equal(second.status, 0, explain(second));
  assert.equal(readFileSync(agentEnv, 'utf8'), 'SKIFF_SERVER=https://10.0.0.1:6443\n');
  assert.match(second.stdout, /kept existing \/etc\/skiff\/agent\.env/);
  assert.ok(existsSync(join(opt, 'dist', 'bin', 'skiff.js')));
  assert.deepEqual(readdirSync(join(root, 'opt')), ['skiff']);
});

test('install.sh --role agent installs only the agent; bad arguments are refused', async (t) => {
  const src = fakeCheckout(t);
  const root = tempDir(t, 'skiff-install-root-');
  const r = install(src, root, ['--role', 'agent', '--skip-build']);
  assert.equal(r.status, 0, explain(r));
  assert.deepEqual(readdirSync(join(root, 'etc', 'systemd', 'system')), ['skiff-agent.service']);
  assert.deepEqual(readdirSync(join(root, 'etc', 'skiff')).sort(), ['agent.env', 'agent.env.example']);
  assert.match(r.stdout, /systemctl enable --now skiff-agent\.service\n/);

  const bad = install(src, tempDir(t, 'skiff-install-root-'), ['--role', 'worker']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--role must be control, agent or both/);
  const unknown = install(src, tempDir(t, 'skiff-install-root-'), ['--frobnicate']);
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.stderr, /unknown argument: --frobnicate/);
});

test('systemd-analyze verify rejects broken units (the check above can fail)', (t) => {
  requireSystemdAnalyze();
  const root = tempDir(t, 'skiff-verify-root-');
  addStockUnits(root);
  const unitDir = join(root, 'etc', 'systemd', 'system');
  mkdirSync(unitDir, { recursive: true });
  mkdirSync(join(root, 'opt', 'skiff', 'bin'), { recursive: true });
  writeFileSync(join(root, 'opt', 'skiff', 'bin', 'skiff'), '#!/bin/sh\n', { mode: 0o755 });
  const agent = readFileSync(join(systemdDir, 'skiff-agent.service'), 'utf8');

  // Control case: the real unit verifies cleanly in this root.
  writeFileSync(join(unitDir, 'skiff-agent.service'), agent);
  const good = verify(root, ['skiff-agent.service']);
  assert.ok(good.ok, good.output);

  // A typo in a value: verify still exits 0 but warns.
  writeFileSync(join(unitDir, 'typo.service'), agent.replace('KillMode=process', 'KillMode=procss'));
  const typo = verify(root, ['typo.service']);
  assert.equal(typo.ok, false);
  assert.match(typo.output, /kill mode/i);

  // An unknown directive.
  writeFileSync(join(unitDir, 'unknown.service'), agent.replace('[Service]\n', '[Service]\nRestartEvery=5s\n'));
  const unknown = verify(root, ['unknown.service']);
  assert.equal(unknown.ok, false);
  assert.match(unknown.output, /RestartEvery/);

  // ExecStart pointing at a program that does not exist in the root.
  writeFileSync(join(unitDir, 'noexec.service'), agent.replace('/opt/skiff/bin/skiff agent', '/opt/skiff/bin/skif agent'));
  const noexec = verify(root, ['noexec.service']);
  assert.equal(noexec.ok, false);
  assert.match(noexec.output, /skif is not executable/);
});
