/**
 * Reads an ELF64 x86-64 file piece by piece: the program headers when it is
 * opened, and then only what the caller asks for (one section, one word, the
 * loaded segments' bytes), by position. elf-file.ts reads and parses the
 * whole file, which is right for coldpatch; this is for looking at the
 * objects a live process maps, where reading every library whole costs time
 * in proportion to everything the process has loaded.
 *
 * Bounds are checked against the file size before every read; a table or
 * section that lies outside the file makes the file unreadable (undefined,
 * or [] for its symbols), never a short read taken for data.
 */
import { closeSync, fstatSync, openSync, readSync, type BigIntStats } from 'node:fs';
import type { ElfSegment } from './elf-file.js';
import {
  ELF_HEADER_SIZE,
  EM_X86_64,
  ET_DYN,
  ET_EXEC,
  PROGRAM_HEADER_SIZE,
  PT_LOAD,
  SECTION_HEADER_SIZE,
  SHT_DYNSYM,
  SHT_NOBITS,
  SHT_NOTE,
} from './elf-constants.js';
import { buildIdOfNotes } from './notes.js';
import type { ElfSymbol } from './symbol-table.js';

const MAGIC = 0x7f454c46;
const SYMBOL_SIZE = 24;
/** Reads of loaded segments go through a buffer of this size. */
const CHUNK = 1 << 20;

export interface SectionHeader {
  index: number;
  type: number;
  offset: number;
  size: number;
  link: number;
}

export class ElfFileReader {
  private sectionTable: SectionHeader[] | undefined;

  private constructor(
    private fd: number | undefined,
    /** File size in bytes. */
    readonly size: number,
    /** ET_EXEC or ET_DYN. */
    readonly type: number,
    readonly segments: readonly ElfSegment[],
    private readonly sectionTableAt: { offset: number; count: number },
  ) {}

  /**
   * undefined when the file is not an x86-64 executable or shared library
   * (a data file, a 32-bit library) or its headers lie outside it; file
   * system errors are thrown.
   */
  static open(path: string): ElfFileReader | undefined {
    const fd = openSync(path, 'r');
    try {
      const reader = ElfFileReader.fromDescriptor(fd);
      if (!reader) closeSync(fd);
      return reader;
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  private static fromDescriptor(fd: number): ElfFileReader | undefined {
    const size = fstatSync(fd).size;
    if (size < ELF_HEADER_SIZE) return undefined;
    const header = readExactly(fd, 0, ELF_HEADER_SIZE);
    if (header.readUInt32BE(0) !== MAGIC || header[4] !== 2 || header[5] !== 1) return undefined;
    if (header.readUInt16LE(18) !== EM_X86_64) return undefined;
    const type = header.readUInt16LE(16);
    if (type !== ET_EXEC && type !== ET_DYN) return undefined;
    const phoff = safeNumber(header.readBigUInt64LE(32));
    const shoff = safeNumber(header.readBigUInt64LE(40));
    const phnum = header.readUInt16LE(56);
    const shnum = header.readUInt16LE(60);
    if (phoff === undefined || shoff === undefined) return undefined;
    if (phnum > 0 && (header.readUInt16LE(54) !== PROGRAM_HEADER_SIZE || phoff + phnum * PROGRAM_HEADER_SIZE > size)) return undefined;
    if (shnum > 0 && (header.readUInt16LE(58) !== SECTION_HEADER_SIZE || shoff + shnum * SECTION_HEADER_SIZE > size)) return undefined;

    const table = phnum > 0 ? readExactly(fd, phoff, phnum * PROGRAM_HEADER_SIZE) : Buffer.alloc(0);
    const segments: ElfSegment[] = [];
    for (let i = 0; i < phnum; i++) {
      const at = i * PROGRAM_HEADER_SIZE;
      const fields = [8, 16, 32, 40, 48].map((o) => safeNumber(table.readBigUInt64LE(at + o)));
      if (fields.some((f) => f === undefined)) return undefined;
      const [offset, address, fileSize, memorySize, align] = fields as number[];
      const segment = { type: table.readUInt32LE(at), flags: table.readUInt32LE(at + 4), offset: offset!, address: address!, fileSize: fileSize!, memorySize: memorySize!, align: align! };
      if (segment.type === PT_LOAD && segment.offset + segment.fileSize > size) return undefined;
      segments.push(segment);
    }
    return new ElfFileReader(fd, size, type, segments, { offset: shoff, count: shnum });
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** The open file's status, times in nanoseconds (what a cache of facts about it is keyed by). */
  stat(): BigIntStats {
    return fstatSync(this.descriptor(), { bigint: true });
  }

  /** `length` bytes at file offset `offset`; undefined if they are not all inside the file. */
  read(offset: number, length: number): Buffer | undefined {
    if (offset < 0 || length < 0 || offset + length > this.size) return undefined;
    return readExactly(this.descriptor(), offset, length);
  }

  /** The section header table (read once, on first use). */
  sections(): readonly SectionHeader[] {
    if (this.sectionTable) return this.sectionTable;
    const { offset, count } = this.sectionTableAt;
    const table = count > 0 ? readExactly(this.descriptor(), offset, count * SECTION_HEADER_SIZE) : Buffer.alloc(0);
    this.sectionTable = [];
    for (let i = 0; i < count; i++) {
      const at = i * SECTION_HEADER_SIZE;
      const sectionOffset = safeNumber(table.readBigUInt64LE(at + 24));
      const size = safeNumber(table.readBigUInt64LE(at + 32));
      if (sectionOffset === undefined || size === undefined) continue;
      this.sectionTable.push({ index: i, type: table.readUInt32LE(at + 4), offset: sectionOffset, size, link: table.readUInt32LE(at + 40) });
    }
    return this.sectionTable;
  }

  /** A section's contents; empty for SHT_NOBITS or one that lies outside the file. */
  sectionData(section: SectionHeader): Buffer {
    if (section.type === SHT_NOBITS) return Buffer.alloc(0);
    return this.read(section.offset, section.size) ?? Buffer.alloc(0);
  }

  /**
   * The GNU build-id as lowercase hex, or undefined: the same note, read the
   * same way (SHT_NOTE sections), as notes.ts reads for a probe list.
   */
  buildId(): string | undefined {
    for (const section of this.sections()) {
      if (section.type !== SHT_NOTE) continue;
      const id = buildIdOfNotes(this.sectionData(section));
      if (id !== undefined) return id;
    }
    return undefined;
  }

  /** The dynamic symbol table (.dynsym), or [] when there is none. */
  dynamicSymbols(): ElfSymbol[] {
    const sections = this.sections();
    const table = sections.find((s) => s.type === SHT_DYNSYM);
    if (!table) return [];
    const strings = sections.find((s) => s.index === table.link);
    return decodeSymbols(this.sectionData(table), strings ? this.sectionData(strings) : Buffer.alloc(0));
  }

  /**
   * Feeds the file bytes of every PT_LOAD segment, in program-header order,
   * to `consume`: what the loader maps of this file.
   */
  forEachLoadedChunk(consume: (bytes: Buffer) => void): void {
    for (const segment of this.segments) {
      if (segment.type === PT_LOAD) this.forEachChunk(segment.offset, segment.fileSize, consume);
    }
  }

  /** Feeds `length` bytes from file offset `offset` to `consume`, a chunk at a time (the buffer is reused). */
  forEachChunk(offset: number, length: number, consume: (bytes: Buffer) => void): void {
    const fd = this.descriptor();
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK, length));
    for (let done = 0; done < length; ) {
      const want = Math.min(CHUNK, length - done);
      const read = readSync(fd, buffer, 0, want, offset + done);
      if (read !== want) throw new Error(`short read at offset ${offset + done} (did the file shrink while being read?)`);
      consume(buffer.subarray(0, want));
      done += want;
    }
  }

  private descriptor(): number {
    if (this.fd === undefined) throw new Error('ElfFileReader used after close()');
    return this.fd;
  }
}

function readExactly(fd: number, offset: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, bytes, done, length - done, offset + done);
    if (n === 0) throw new Error(`unexpected end of file at offset ${offset + done}`);
    done += n;
  }
  return bytes;
}

function safeNumber(value: bigint): number | undefined {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
}

function decodeSymbols(table: Buffer, strings: Buffer): ElfSymbol[] {
  const symbols: ElfSymbol[] = [];
  const nameAt = (offset: number) => {
    if (offset >= strings.length) return '';
    const end = strings.indexOf(0, offset);
    return strings.toString('latin1', offset, end < 0 ? strings.length : end);
  };
  for (let i = 0, at = 0; at + SYMBOL_SIZE <= table.length; i++, at += SYMBOL_SIZE) {
    const info = table[at + 4]!;
    symbols.push({
      index: i,
      name: nameAt(table.readUInt32LE(at)),
      type: info & 0xf,
      bind: info >> 4,
      sectionIndex: table.readUInt16LE(at + 6),
      value: Number(table.readBigUInt64LE(at + 8)),
      size: Number(table.readBigUInt64LE(at + 16)),
    });
  }
  return symbols;
}
