/** Which machine a process's executable is built for, from the ELF header of /proc/PID/exe. */
import { closeSync, openSync, readSync } from 'node:fs';

const ELF_MAGIC = 0x464c457f; // "\x7fELF", little-endian
const ELFCLASS64 = 2;
const EM_386 = 3;
const EM_X86_64 = 62;
const EM_AARCH64 = 183;

export interface ExecutableMachine {
  isX86_64: boolean;
  /** For messages: "x86-64", "i386 (32-bit)", "x32 (ILP32 on x86-64)", "machine 183 (aarch64)". */
  description: string;
}

/** undefined when the executable cannot be read (permission, or the process is gone). */
export function executableMachine(pid: number): ExecutableMachine | undefined {
  const header = Buffer.alloc(20);
  try {
    const fd = openSync(`/proc/${pid}/exe`, 'r');
    try {
      if (readSync(fd, header, 0, 20, 0) < 20) return { isX86_64: false, description: 'not an ELF file' };
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  if (header.readUInt32LE(0) !== ELF_MAGIC) return { isX86_64: false, description: 'not an ELF file' };
  const is64 = header[4] === ELFCLASS64;
  const machine = header.readUInt16LE(18);
  if (machine === EM_X86_64 && is64) return { isX86_64: true, description: 'x86-64' };
  if (machine === EM_X86_64) return { isX86_64: false, description: 'x32 (ILP32 on x86-64)' };
  if (machine === EM_386) return { isX86_64: false, description: 'i386 (32-bit)' };
  if (machine === EM_AARCH64) return { isX86_64: false, description: 'aarch64' };
  return { isX86_64: false, description: `ELF machine ${machine}` };
}
