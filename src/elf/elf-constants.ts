/** Numeric ELF constants used by iprobe (System V gABI and the x86-64 psABI). */

export const ELF_HEADER_SIZE = 64;
export const PROGRAM_HEADER_SIZE = 56;
export const SECTION_HEADER_SIZE = 64;

export const EM_X86_64 = 62;

export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_NOTE = 4;
export const PT_GNU_RELRO = 0x6474e552;

export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_DYNAMIC = 6;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;

export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;

export const STT_FUNC = 2;
export const STT_GNU_IFUNC = 10;
export const SHN_UNDEF = 0;

export const DT_NULL = 0;
export const DT_NEEDED = 1;
export const DT_FLAGS = 30;
export const DT_FLAGS_1 = 0x6ffffffb;
export const DF_BIND_NOW = 0x8;
export const DF_1_NOW = 0x1;
export const DF_1_PIE = 0x8000000;

export const R_X86_64_64 = 1;
export const R_X86_64_GLOB_DAT = 6;
export const R_X86_64_JUMP_SLOT = 7;
export const R_X86_64_RELATIVE = 8;

export const NT_GNU_BUILD_ID = 3;

/** e_machine values worth naming in an error message. */
export const MACHINE_NAMES: Readonly<Record<number, string>> = {
  3: 'x86 (32-bit)',
  8: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC64',
  22: 'S/390',
  40: 'ARM',
  62: 'x86-64',
  183: 'AArch64',
  243: 'RISC-V',
  258: 'LoongArch',
};
