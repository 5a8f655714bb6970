import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTar, ensurePauseImage, pauseElf, pauseRootfsTar, type PauseArch, type RootfsImporter } from './pause-image.js';

interface Parsed {
  class: number;
  machine: number;
  entry: number;
  phoff: number;
  flags: number;
  ehsize: number;
  phentsize: number;
  phnum: number;
  load: { offset: number; vaddr: number; filesz: number; memsz: number; flags: number; align: number };
}

// An independent reader of the few fields the kernel's ELF loader looks at.
function parseElf(b: Buffer): Parsed {
  assert.equal(b.subarray(0, 4).toString('latin1'), '\x7fELF');
  const is64 = b[4] === 2;
  const n = (at: number) => (is64 ? Number(b.readBigUInt64LE(at)) : b.readUInt32LE(at));
  const entry = n(24);
  const phoff = n(is64 ? 32 : 28);
  const flagsAt = is64 ? 48 : 36;
  const phentsize = b.readUInt16LE(flagsAt + 6);
  const ph = phoff; // the first program header is the PT_LOAD
  assert.equal(b.readUInt32LE(ph), 1, 'first program header is PT_LOAD');
  const load = is64
    ? { flags: b.readUInt32LE(ph + 4), offset: n(ph + 8), vaddr: n(ph + 16), filesz: n(ph + 32), memsz: n(ph + 40), align: n(ph + 48) }
    : { offset: n(ph + 4), vaddr: n(ph + 8), filesz: n(ph + 16), memsz: n(ph + 20), flags: b.readUInt32LE(ph + 24), align: n(ph + 28) };
  return {
    class: b[4]!,
    machine: b.readUInt16LE(18),
    entry,
    phoff,
    flags: b.readUInt32LE(flagsAt),
    ehsize: b.readUInt16LE(flagsAt + 4),
    phentsize,
    phnum: b.readUInt16LE(flagsAt + 8),
    load,
  };
}

const cases: Array<{ arch: PauseArch; class: number; machine: number; ehsize: number; phentsize: number; flags: number; code: string }> = [
  // mov eax,34; syscall; jmp -9
  { arch: 'x64', class: 2, machine: 62, ehsize: 64, phentsize: 56, flags: 0, code: 'b8220000000f05ebf7' },
  { arch: 'arm64', class: 2, machine: 183, ehsize: 64, phentsize: 56, flags: 0, code: '000080d2010080d2020080d2030080d2040080d2280980d2010000d4f9ffff17' },
  { arch: 'arm', class: 1, machine: 40, ehsize: 52, phentsize: 32, flags: 0x05000000, code: '1d70a0e3000000effcffffea' },
];

for (const c of cases) {
  test(`pause ELF for ${c.arch}: header fields, one loadable segment, entry at the code`, () => {
    const b = pauseElf(c.arch);
    const e = parseElf(b);
    assert.equal(e.class, c.class);
    assert.equal(b[5], 1, 'little-endian');
    assert.equal(b[6], 1, 'EI_VERSION');
    assert.equal(b.readUInt16LE(16), 2, 'ET_EXEC');
    assert.equal(e.machine, c.machine);
    assert.equal(e.flags, c.flags);
    assert.equal(e.ehsize, c.ehsize);
    assert.equal(e.phoff, c.ehsize, 'program headers right after the ELF header');
    assert.equal(e.phentsize, c.phentsize);
    assert.equal(e.phnum, 2);
    const codeOffset = c.ehsize + 2 * c.phentsize;
    assert.equal(b.length, codeOffset + c.code.length / 2, 'file is headers + code, nothing else');
    assert.equal(b.subarray(codeOffset).toString('hex'), c.code);
    assert.equal(e.load.offset, 0);
    assert.equal(e.load.filesz, b.length);
    assert.equal(e.load.memsz, b.length);
    assert.equal(e.load.flags, 5, 'R+X');
    assert.equal(e.load.vaddr % e.load.align, 0, 'segment aligned');
    assert.equal(e.entry, e.load.vaddr + codeOffset);
    assert.equal(e.entry % 4, 0, 'entry is instruction-aligned');
  });
}

test('tar: headers, checksums, sizes and padding follow ustar', () => {
  const data = Buffer.from('hello\n');
  const tar = buildTar(
    [
      { type: 'dir', path: 'etc' },
      { type: 'file', path: './etc/motd', data, mode: 0o640 },
      { type: 'symlink', path: 'bin/sh', target: 'busybox' },
    ],
    1_700_000_000,
  );
  // 3 headers + 1 data block + 2 end blocks
  assert.equal(tar.length, 512 * 6);
  const headers = [0, 512, 1536].map((at) => tar.subarray(at, at + 512));
  const field = (h: Buffer, at: number, len: number) => h.subarray(at, at + len).toString('latin1').replace(/\0.*$/s, '');
  assert.deepEqual(
    headers.map((h) => [field(h, 0, 100), field(h, 156, 1), field(h, 157, 100), field(h, 100, 8)]),
    [
      ['etc/', '5', '', '0000755'],
      ['etc/motd', '0', '', '0000640'],
      ['bin/sh', '2', 'busybox', '0000777'],
    ],
  );
  for (const h of headers) {
    assert.equal(field(h, 257, 6), 'ustar');
    assert.equal(parseInt(field(h, 136, 12), 8), 1_700_000_000);
    const stored = parseInt(field(h, 148, 8), 8);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    assert.equal(stored, sum, 'checksum');
  }
  assert.equal(parseInt(field(headers[1]!, 124, 12), 8), data.length);
  assert.equal(tar.subarray(1024, 1024 + data.length).toString(), 'hello\n');
  assert.ok(tar.subarray(1024 + data.length, 1536).every((x) => x === 0), 'data padded with zeros');
  assert.ok(tar.subarray(512 * 4).every((x) => x === 0), 'two zero blocks end the archive');
});

test('tar: long paths go to the ustar prefix field', () => {
  const long = `${'d'.repeat(120)}/file`;
  const tar = buildTar([{ type: 'file', path: long, data: Buffer.alloc(0) }]);
  assert.equal(tar.subarray(0, 4).toString(), 'file');
  assert.equal(tar.subarray(345, 465).toString(), 'd'.repeat(120));
  assert.throws(() => buildTar([{ type: 'file', path: 'x'.repeat(300), data: Buffer.alloc(0) }]), /too long/);
});

test('pause rootfs holds an executable /pause', () => {
  const tar = pauseRootfsTar('x64');
  const names: string[] = [];
  for (let at = 0; at + 512 <= tar.length; ) {
    const h = tar.subarray(at, at + 512);
    if (h.every((x) => x === 0)) break;
    const name = h.subarray(0, 100).toString().replace(/\0.*$/s, '');
    const size = parseInt(h.subarray(124, 136).toString().replace(/\0.*$/s, ''), 8);
    names.push(`${name}:${h.subarray(100, 108).toString().replace(/\0.*$/s, '')}`);
    if (name === 'pause') assert.deepEqual(tar.subarray(at + 512, at + 512 + size), pauseElf('x64'));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  assert.ok(names.includes('pause:0000755'), names.join(' '));
});

test('ensurePauseImage imports only when the image is missing, and refuses unknown architectures', async () => {
  const imported: Array<{ name: string; cmd: string[]; size: number }> = [];
  let present = false;
  const importer: RootfsImporter = {
    hasImage: async () => present,
    importRootfs: async (tar, name, cmd) => {
      imported.push({ name, cmd, size: tar.length });
      present = true;
    },
  };
  assert.equal(await ensurePauseImage(importer, 'skiff.local/pause:3.9', 'x64'), true);
  assert.equal(await ensurePauseImage(importer, 'skiff.local/pause:3.9', 'x64'), false);
  assert.equal(imported.length, 1);
  assert.deepEqual(imported[0]!.cmd, ['/pause']);
  present = false;
  await assert.rejects(ensurePauseImage(importer, 'x:1', 'riscv64'), (err: Error & { code?: string }) => err.code === 'PauseImageUnsupported');
});
