/**
 * What this machine can do that some tests need: each probe returns
 * undefined when the capability is there, or a one-line reason when it is
 * not, for skipWhenMissing(ctx, reason) at the start of a test. Probes answer by trying
 * the thing itself (fast, synchronous, a 5 s cap that a working machine never
 * reaches), never by waiting for a test's own timeout, and each one runs once
 * per test file (cached).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { TestContext } from 'vitest';
import { fixture } from './paths.js';

/** Undefined: the capability is there. A string: why not, in one line. */
export type Missing = string | undefined;

/**
 * Skips the running test when a capability is missing, with the reason both
 * as the skip note (verbose and JSON reporters) and on stderr, which the
 * default reporter prints under the test's name (it lists no skipped tests).
 */
export function skipWhenMissing(ctx: TestContext, missing: Missing): void {
  if (!missing) return;
  console.warn(`skipped: ${missing}`);
  ctx.skip(missing);
}

const PROBE_TIMEOUT_MS = 5_000;
const cache = new Map<string, Missing>();

function cached(key: string, probe: () => Missing): Missing {
  if (!cache.has(key)) cache.set(key, probe());
  return cache.get(key);
}

/** Runs `probe` in a fresh scratch directory that is removed afterwards. */
function inScratch(probe: (dir: string) => Missing): Missing {
  const dir = mkdtempSync(path.join(tmpdir(), 'iprobe-capability-'));
  try {
    return probe(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a command without a shell; the result with `error` set when it could not run. */
function run(file: string, args: string[], input?: string): SpawnSyncReturns<string> {
  return spawnSync(file, args, { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS, input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
}

/** Why a command failed, in one line (the first line of its output, or how it ended). */
function failure(result: SpawnSyncReturns<string>): string {
  const error = result.error as NodeJS.ErrnoException | undefined;
  if (error?.code === 'ETIMEDOUT') return `no answer within ${PROBE_TIMEOUT_MS / 1000} s`;
  if (error) return error.message;
  const line = `${result.stderr ?? ''}\n${result.stdout ?? ''}`.split('\n').map((l) => l.trim()).find(Boolean);
  const ended = result.signal ? `killed by ${result.signal}` : `exit status ${result.status}`;
  return line ? `${ended}: ${line}` : ended;
}

/** An executable of that name on $PATH, or undefined. */
function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A command the test runs (strace, gdb, ...) is installed. */
export function missingCommand(command: string, debianPackage = command): Missing {
  return cached(`command:${command}`, () =>
    onPath(command) ? undefined : `${command} is not installed (Debian package ${debianPackage})`,
  );
}

/** The tests run as root (uid 0), e.g. to become another user with setpriv; `purpose` says what for. */
export function notRoot(purpose: string): Missing {
  const uid = process.getuid?.();
  return uid === 0 ? undefined : `needs root ${purpose} (running as uid ${uid})`;
}

/** A kernel config option from /proc/config.gz, when the kernel publishes its config there. */
function kernelConfig(option: string): string | undefined {
  try {
    const config = gunzipSync(readFileSync('/proc/config.gz')).toString();
    return new RegExp(`^(# )?${option}[= ].*$`, 'm').exec(config)?.[0];
  } catch {
    return undefined;
  }
}

/** Extra detail for a failed 32-bit exec: what the kernel says about IA-32 emulation and binfmt_misc. */
function ia32Detail(): string {
  const notes: string[] = [];
  const emulation = kernelConfig('CONFIG_IA32_EMULATION');
  if (emulation) notes.push(`/proc/config.gz: ${emulation}`);
  const disabledByDefault = kernelConfig('CONFIG_IA32_EMULATION_DEFAULT_DISABLED');
  if (disabledByDefault?.endsWith('=y')) notes.push(disabledByDefault);
  try {
    const option = /(?:^|\s)(ia32_emulation=\S+)/.exec(readFileSync('/proc/cmdline', 'utf8'))?.[1];
    if (option) notes.push(`boot option ${option}`);
  } catch {
    // no /proc/cmdline
  }
  if (existsSync('/proc/sys/fs/binfmt_misc/status')) {
    try {
      notes.push(`binfmt_misc ${readFileSync('/proc/sys/fs/binfmt_misc/status', 'utf8').trim()}`);
    } catch {
      // unreadable
    }
  } else {
    notes.push('binfmt_misc not mounted');
  }
  return notes.length ? ` (${notes.join('; ')})` : '';
}

/**
 * The kernel execs a 32-bit (i386) program. Built the way
 * test/ptrace/attach-errors.test.ts builds its i386 target (`as --32`,
 * `ld -m elf_i386`, a static ELF making int $0x80 system calls), then
 * executed directly; it must exit with its own status (42). Node's spawn
 * (libuv's execvp) falls back to `/bin/sh FILE` when execve says ENOEXEC,
 * so a kernel without IA-32 emulation shows up as the shell's complaint.
 */
export function cannotRun32Bit(): Missing {
  return cached('i386-exec', () =>
    inScratch((dir) => {
      const source = path.join(dir, 'exit42.s');
      const object = path.join(dir, 'exit42.o');
      const exe = path.join(dir, 'exit42');
      writeFileSync(source, '.globl _start\n_start:\n  movl $1, %eax\n  movl $42, %ebx\n  int $0x80\n');
      const as = run('as', ['--32', '-o', object, source]);
      if (as.status !== 0) return `cannot assemble an i386 program (as --32, binutils): ${failure(as)}`;
      const ld = run('ld', ['-m', 'elf_i386', '-o', exe, object]);
      if (ld.status !== 0) return `cannot link an i386 program (ld -m elf_i386, binutils): ${failure(ld)}`;
      const result = run(exe, []);
      if (result.status === 42) return undefined;
      const enoexec = !result.error && (result.stderr ?? '').includes(exe);
      const how = enoexec
        ? 'execve of a static i386 ELF fails with ENOEXEC (Exec format error)'
        : `a static i386 program did not exit 42: ${failure(result)}`;
      return `this kernel cannot run 32-bit i386 programs: ${how}${ia32Detail()}`;
    }),
  );
}

/**
 * A process can install a seccomp filter (SECCOMP_MODE_FILTER after
 * PR_SET_NO_NEW_PRIVS). Checked with fixtures/inject/seccomp-openat.c itself,
 * the program the injection tests run: with stdin closed it prints
 * "filtered" and exits 0, or says why prctl failed and exits 1.
 */
export function cannotFilterSyscalls(): Missing {
  return cached('seccomp-filter', () =>
    inScratch((dir) => {
      const exe = path.join(dir, 'seccomp-openat');
      const gcc = run('gcc', ['-O2', '-pthread', '-o', exe, fixture('inject', 'seccomp-openat.c')]);
      if (gcc.status !== 0) return `cannot compile fixtures/inject/seccomp-openat.c: ${failure(gcc)}`;
      const result = run(exe, [], '');
      if (result.status === 0 && /^filtered$/m.test(result.stdout)) return undefined;
      let mode = '';
      try {
        mode = /^Seccomp:.*$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[0] ?? 'no Seccomp line in /proc/self/status';
      } catch {
        // no /proc
      }
      return `seccomp filters cannot be installed here: ${failure(result)}${mode ? ` (${mode})` : ''}`;
    }),
  );
}

/**
 * musl-gcc builds a program that runs on musl's dynamic loader
 * (/lib/ld-musl-x86_64.so.1), as the "not glibc" injection test needs.
 */
export function cannotBuildMusl(): Missing {
  return cached('musl', () => {
    if (!onPath('musl-gcc')) return 'musl-gcc is not installed (Debian package musl-tools)';
    return inScratch((dir) => {
      const source = path.join(dir, 'musl42.c');
      const exe = path.join(dir, 'musl42');
      writeFileSync(source, 'int main(void) { return 42; }\n');
      const gcc = run('musl-gcc', ['-O2', '-o', exe, source, '-lpthread']);
      if (gcc.status !== 0) return `musl-gcc cannot build a program: ${failure(gcc)}`;
      const result = run(exe, []);
      return result.status === 42 ? undefined : `a musl-gcc program does not run here: ${failure(result)}`;
    });
  });
}
