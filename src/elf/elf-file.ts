/**
 * Reads an ELF64 x86-64 image: header, segments and sections.
 *
 * elf-tools parses the headers and resolves section names. Three of its
 * habits shape this file: its parse() reverses every 8-byte header field in
 * place in the buffer it is given (so it only ever sees a copy); it indexes
 * past the end of short files (so the header tables are bounds-checked here
 * first); and it decodes sh_flags with the section-type table and drops type
 * codes it has no name for (so the numeric sh_type/sh_flags/p_type/p_flags
 * and the section contents are read from our own bytes).
 */
import elfTools from 'elf-tools';
import {
  ELF_HEADER_SIZE,
  EM_X86_64,
  ET_CORE,
  ET_DYN,
  ET_EXEC,
  ET_REL,
  MACHINE_NAMES,
  PROGRAM_HEADER_SIZE,
  PT_LOAD,
  SECTION_HEADER_SIZE,
  SHT_NOBITS,
} from './elf-constants.js';
import { ElfFormatError } from './elf-format-error.js';

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  address: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  entrySize: number;
  /** File contents (empty for SHT_NOBITS). A view into ElfFile.bytes. */
  data: Buffer;
}

export interface ElfSegment {
  type: number;
  flags: number;
  offset: number;
  address: number;
  fileSize: number;
  memorySize: number;
  align: number;
}

export interface ElfFile {
  bytes: Buffer;
  /** ET_EXEC or ET_DYN. */
  type: number;
  entry: number;
  segments: ElfSegment[];
  sections: ElfSection[];
}

const MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** Largest offset or size a well-formed file of this project can hold (2^48). */
const MAX_REASONABLE = 2 ** 48;

function u64(bytes: Buffer, offset: number, what: string): number {
  const value = bytes.readBigUInt64LE(offset);
  if (value >= BigInt(MAX_REASONABLE)) throw new ElfFormatError(`${what} is out of range (0x${value.toString(16)})`);
  return Number(value);
}

function checkIdentification(bytes: Buffer): void {
  if (bytes.length < 4 || !bytes.subarray(0, 4).equals(MAGIC)) {
    throw new ElfFormatError('not an ELF file', 'give a compiled executable or shared library');
  }
  if (bytes.length < ELF_HEADER_SIZE) throw new ElfFormatError('truncated ELF header');
  if (bytes[4] === 1) throw new ElfFormatError('32-bit ELF: only x86-64 (ELF64) binaries are supported');
  if (bytes[4] !== 2) throw new ElfFormatError(`unknown ELF class ${bytes[4]}`);
  if (bytes[5] !== 1) throw new ElfFormatError('big-endian ELF: only x86-64 binaries are supported');
  const machine = bytes.readUInt16LE(18);
  if (machine !== EM_X86_64) {
    const name = MACHINE_NAMES[machine] ?? `machine ${machine}`;
    throw new ElfFormatError(`ELF for ${name}, not x86-64`);
  }
  const type = bytes.readUInt16LE(16);
  if (type === ET_REL) {
    throw new ElfFormatError('relocatable object file, not a linked binary', 'link it into an executable or .so first');
  }
  if (type === ET_CORE) throw new ElfFormatError('core dump, not a program');
  if (type !== ET_EXEC && type !== ET_DYN) throw new ElfFormatError(`unsupported ELF type ${type}`);
}

function checkTable(bytes: Buffer, offset: number, count: number, entrySize: number, expected: number, what: string) {
  if (count === 0) return;
  if (entrySize !== expected) throw new ElfFormatError(`${what} entry size is ${entrySize}, expected ${expected}`);
  if (offset + count * entrySize > bytes.length) throw new ElfFormatError(`${what} lies past the end of the file (truncated?)`);
}

export function parseElf(bytes: Buffer): ElfFile {
  checkIdentification(bytes);
  const phoff = u64(bytes, 32, 'program header offset');
  const shoff = u64(bytes, 40, 'section header offset');
  const phentsize = bytes.readUInt16LE(54);
  const phnum = bytes.readUInt16LE(56);
  const shentsize = bytes.readUInt16LE(58);
  const shnum = bytes.readUInt16LE(60);
  const shstrndx = bytes.readUInt16LE(62);
  checkTable(bytes, phoff, phnum, phentsize, PROGRAM_HEADER_SIZE, 'program header table');
  checkTable(bytes, shoff, shnum, shentsize, SECTION_HEADER_SIZE, 'section header table');
  if (shnum === 0) throw new ElfFormatError('no section headers', 'iprobe needs the section table (do not use sstrip)');
  if (shstrndx >= shnum) throw new ElfFormatError('section name table index out of range');

  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * PROGRAM_HEADER_SIZE;
    const segment: ElfSegment = {
      type: bytes.readUInt32LE(at),
      flags: bytes.readUInt32LE(at + 4),
      offset: u64(bytes, at + 8, 'segment offset'),
      address: u64(bytes, at + 16, 'segment address'),
      fileSize: u64(bytes, at + 32, 'segment size'),
      memorySize: u64(bytes, at + 40, 'segment size'),
      align: u64(bytes, at + 48, 'segment alignment'),
    };
    if (segment.type === PT_LOAD && segment.offset + segment.fileSize > bytes.length) {
      throw new ElfFormatError(`loadable segment ${i} lies past the end of the file (truncated?)`);
    }
    segments.push(segment);
  }

  const raw: { type: number; flags: number }[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * SECTION_HEADER_SIZE;
    const type = bytes.readUInt32LE(at + 4);
    const offset = u64(bytes, at + 24, 'section offset');
    const size = u64(bytes, at + 32, 'section size');
    u64(bytes, at + 16, 'section address');
    u64(bytes, at + 56, 'section entry size');
    if (type !== SHT_NOBITS && type !== 0 && offset + size > bytes.length) {
      throw new ElfFormatError(`section ${i} lies past the end of the file (truncated?)`);
    }
    raw.push({ type, flags: Number(bytes.readBigUInt64LE(at + 8) & 0xffffffffn) });
  }

  let parsed: ReturnType<typeof elfTools.parse>;
  try {
    parsed = elfTools.parse(Buffer.from(bytes));
  } catch (err) {
    throw new ElfFormatError(`corrupt ELF headers (${(err as Error).message})`);
  }
  const sections = parsed.sections.map((s, index): ElfSection => {
    const { type, flags } = raw[index]!;
    const h = s.header;
    if (typeof h.name !== 'string') throw new ElfFormatError(`section ${index} has an invalid name`);
    return {
      index,
      name: h.name,
      type,
      flags,
      address: h.addr,
      offset: h.offset,
      size: h.size,
      link: h.link,
      info: h.info,
      entrySize: h.entsize,
      data: type === SHT_NOBITS ? Buffer.alloc(0) : bytes.subarray(h.offset, h.offset + h.size),
    };
  });
  return { bytes, type: bytes.readUInt16LE(16), entry: parsed.header.entry, segments, sections };
}

export function sectionByName(elf: ElfFile, name: string): ElfSection | undefined {
  return elf.sections.find((s) => s.name === name);
}
