// The pod infra ("pause") image, made on the node. There is no registry to pull
// registry.k8s.io/pause from, so the agent writes its own: a root filesystem holding one
// tiny static executable, /pause, that only ever sleeps in the kernel. It is a few dozen
// bytes of hand-assembled machine code in a minimal ELF file, so nothing has to be
// compiled or downloaded on a Raspberry Pi. As PID 1 it has no signal handlers, so the
// kernel drops SIGTERM/SIGINT for it; the runtime kills sandboxes with SIGKILL.
//
// The tar writer here is the smallest ustar that `docker import` and `ctr import` accept;
// the test fixtures reuse it to build their busybox image.

export const DEFAULT_PAUSE_IMAGE = 'skiff.local/pause:3.9';

/** Architectures (Node's process.arch names) we can write a pause binary for. */
export type PauseArch = 'x64' | 'arm64' | 'arm';

export function isPauseArch(arch: string): arch is PauseArch {
  return arch === 'x64' || arch === 'arm64' || arch === 'arm';
}

interface ElfTarget {
  elfClass: 32 | 64;
  machine: number;
  flags: number;
  /** Where the single PT_LOAD segment (headers + code) is mapped. */
  base: number;
  /** Segment alignment: 64 KiB on arm64 so kernels with 64K pages load it too. */
  align: number;
  code: Buffer;
}

function words(...w: number[]): Buffer {
  const b = Buffer.alloc(w.length * 4);
  w.forEach((x, i) => b.writeUInt32LE(x >>> 0, i * 4));
  return b;
}

const TARGETS: Record<PauseArch, ElfTarget> = {
  // loop: mov eax, 34 (pause) ; syscall ; jmp loop
  x64: {
    elfClass: 64,
    machine: 62, // EM_X86_64
    flags: 0,
    base: 0x400000,
    align: 0x1000,
    code: Buffer.from([0xb8, 0x22, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xeb, 0xf7]),
  },
  // aarch64 has no pause(2): ppoll(NULL, 0, NULL, NULL, 0) blocks until a signal arrives.
  // The registers are reloaded every round because x0 comes back holding -EINTR.
  arm64: {
    elfClass: 64,
    machine: 183, // EM_AARCH64
    flags: 0,
    base: 0x400000,
    align: 0x10000,
    code: words(
      0xd2800000, // movz x0, #0    fds
      0xd2800001, // movz x1, #0    nfds
      0xd2800002, // movz x2, #0    timeout: NULL = forever
      0xd2800003, // movz x3, #0    sigmask
      0xd2800004, // movz x4, #0    sigsetsize
      0xd2800928, // movz x8, #73   __NR_ppoll
      0xd4000001, // svc  #0
      0x17fffff9, // b    -7 instructions (back to the first movz)
    ),
  },
  // 32-bit ARM, EABI: the syscall number goes in r7, pause is 29.
  arm: {
    elfClass: 32,
    machine: 40, // EM_ARM
    flags: 0x05000000, // EF_ARM_EABI_VER5
    base: 0x10000,
    align: 0x1000,
    code: words(
      0xe3a0701d, // mov r7, #29
      0xef000000, // svc #0
      0xeafffffc, // b   -16 bytes from pc+8 (back to mov)
    ),
  },
};

const PT_LOAD = 1;
const PT_GNU_STACK = 0x6474e551;
const PF_X = 1;
const PF_W = 2;
const PF_R = 4;

/**
 * A complete static ELF executable: ELF header, two program headers (one PT_LOAD that
 * maps the whole file read+execute, one PT_GNU_STACK asking for a non-executable stack),
 * then the code. The entry point is the first byte after the headers.
 */
export function pauseElf(arch: PauseArch): Buffer {
  const t = TARGETS[arch];
  const is64 = t.elfClass === 64;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const phnum = 2;
  const codeOffset = ehsize + phentsize * phnum;
  const size = codeOffset + t.code.length;
  const entry = t.base + codeOffset;
  const b = Buffer.alloc(size);

  // e_ident
  b.write('\x7fELF', 0, 'latin1');
  b[4] = is64 ? 2 : 1; // EI_CLASS
  b[5] = 1; // EI_DATA: little-endian
  b[6] = 1; // EI_VERSION
  b[7] = 0; // EI_OSABI: System V (ARM EABI is in e_flags)

  b.writeUInt16LE(2, 16); // e_type: ET_EXEC
  b.writeUInt16LE(t.machine, 18);
  b.writeUInt32LE(1, 20); // e_version
  let o = 24;
  if (is64) {
    b.writeBigUInt64LE(BigInt(entry), o); // e_entry
    b.writeBigUInt64LE(BigInt(ehsize), o + 8); // e_phoff
    b.writeBigUInt64LE(0n, o + 16); // e_shoff: no sections
    o += 24;
  } else {
    b.writeUInt32LE(entry, o);
    b.writeUInt32LE(ehsize, o + 4);
    b.writeUInt32LE(0, o + 8);
    o += 12;
  }
  b.writeUInt32LE(t.flags, o); // e_flags
  b.writeUInt16LE(ehsize, o + 4);
  b.writeUInt16LE(phentsize, o + 6);
  b.writeUInt16LE(phnum, o + 8);
  b.writeUInt16LE(is64 ? 64 : 40, o + 10); // e_shentsize (no sections follow)
  b.writeUInt16LE(0, o + 12); // e_shnum
  b.writeUInt16LE(0, o + 14); // e_shstrndx

  const phdrs = [
    { type: PT_LOAD, flags: PF_R | PF_X, offset: 0, vaddr: t.base, filesz: size, memsz: size, align: t.align },
    { type: PT_GNU_STACK, flags: PF_R | PF_W, offset: 0, vaddr: 0, filesz: 0, memsz: 0, align: 16 },
  ];
  phdrs.forEach((p, i) => {
    const at = ehsize + i * phentsize;
    if (is64) {
      b.writeUInt32LE(p.type, at);
      b.writeUInt32LE(p.flags, at + 4);
      b.writeBigUInt64LE(BigInt(p.offset), at + 8);
      b.writeBigUInt64LE(BigInt(p.vaddr), at + 16); // p_vaddr
      b.writeBigUInt64LE(BigInt(p.vaddr), at + 24); // p_paddr
      b.writeBigUInt64LE(BigInt(p.filesz), at + 32);
      b.writeBigUInt64LE(BigInt(p.memsz), at + 40);
      b.writeBigUInt64LE(BigInt(p.align), at + 48);
    } else {
      // ELF32 keeps p_flags near the end.
      b.writeUInt32LE(p.type, at);
      b.writeUInt32LE(p.offset, at + 4);
      b.writeUInt32LE(p.vaddr, at + 8);
      b.writeUInt32LE(p.vaddr, at + 12);
      b.writeUInt32LE(p.filesz, at + 16);
      b.writeUInt32LE(p.memsz, at + 20);
      b.writeUInt32LE(p.flags, at + 24);
      b.writeUInt32LE(p.align, at + 28);
    }
  });
  t.code.copy(b, codeOffset);
  return b;
}

// ---- tar -------------------------------------------------------------------------------

export type TarEntry =
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'file'; path: string; mode?: number; data: Buffer }
  | { type: 'symlink'; path: string; target: string };

const BLOCK = 512;

function octal(value: number, width: number): string {
  // width includes the terminating NUL
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function tarHeader(name: string, mode: number, size: number, typeflag: string, linkname: string, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  let prefix = '';
  let short = name;
  if (Buffer.byteLength(name) > 100) {
    // ustar splits long paths at a '/' into prefix (155) + name (100).
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`tar: path too long: ${name}`);
    prefix = name.slice(0, cut);
    short = name.slice(cut + 1);
  }
  if (Buffer.byteLength(linkname) > 100) throw new Error(`tar: link target too long: ${linkname}`);
  h.write(short, 0, 100, 'utf8');
  h.write(octal(mode & 0o7777, 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1'); // uid root
  h.write(octal(0, 8), 116, 'latin1'); // gid root
  h.write(octal(size, 12), 124, 'latin1');
  h.write(octal(mtime, 12), 136, 'latin1');
  h.write('        ', 148, 'latin1'); // checksum is computed over spaces here
  h.write(typeflag, 156, 'latin1');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  h.write('root', 265, 'latin1');
  h.write('root', 297, 'latin1');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

/**
 * A ustar archive of the given entries, in order, owned by root. Paths are relative to
 * the image root ("bin/sh"); parent directories must come before their children.
 */
export function buildTar(entries: TarEntry[], mtime = Math.floor(Date.now() / 1000)): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const path = e.path.replace(/^\.?\/+/, '');
    if (!path) throw new Error('tar: empty path');
    switch (e.type) {
      case 'dir':
        parts.push(tarHeader(path.endsWith('/') ? path : `${path}/`, e.mode ?? 0o755, 0, '5', '', mtime));
        break;
      case 'symlink':
        parts.push(tarHeader(path, 0o777, 0, '2', e.target, mtime));
        break;
      case 'file': {
        parts.push(tarHeader(path, e.mode ?? 0o644, e.data.length, '0', '', mtime), e.data);
        const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
        if (pad) parts.push(Buffer.alloc(pad));
        break;
      }
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2)); // end-of-archive marker
  return Buffer.concat(parts);
}

/** The pause image's root filesystem: /pause plus the mount points a runtime expects. */
export function pauseRootfsTar(arch: PauseArch): Buffer {
  return buildTar([
    { type: 'dir', path: 'dev' },
    { type: 'dir', path: 'etc' },
    { type: 'dir', path: 'proc' },
    { type: 'dir', path: 'sys' },
    { type: 'file', path: 'pause', mode: 0o755, data: pauseElf(arch) },
  ]);
}

// ---- import ----------------------------------------------------------------------------

/** What a runtime offers to turn a root filesystem tar into a named image. */
export interface RootfsImporter {
  hasImage(name: string): Promise<boolean>;
  /** Imports tar as image `name`, with `cmd` as its default command. */
  importRootfs(tar: Buffer, name: string, cmd: string[]): Promise<void>;
}

export class PauseImageError extends Error {
  readonly code = 'PauseImageUnsupported';
  constructor(arch: string) {
    super(`cannot build a pause image for architecture ${arch}: only x64, arm64 and arm are supported; load one yourself and pass its name`);
    this.name = 'PauseImageError';
  }
}

/**
 * Makes sure image `name` exists, importing our own pause image under that name when it
 * does not. Resolves to true when it had to import.
 */
export async function ensurePauseImage(
  importer: RootfsImporter,
  name: string = DEFAULT_PAUSE_IMAGE,
  arch: string = process.arch,
): Promise<boolean> {
  if (await importer.hasImage(name)) return false;
  if (!isPauseArch(arch)) throw new PauseImageError(arch);
  await importer.importRootfs(pauseRootfsTar(arch), name, ['/pause']);
  return true;
}
