/**
 * Where an object was loaded: the difference between its run-time and
 * link-time addresses, from its program headers and /proc/PID/maps (not
 * guessed from the lowest mapping, which breaks for unusual layouts).
 */
import type { ElfSegment } from '../elf/elf-file.js';
import { PT_LOAD } from '../elf/elf-constants.js';
import type { MapsEntry } from '../process/maps.js';

const PAGE = 4096;
const pageDown = (n: number) => n - (n % PAGE);

/** `segments`: the object's program headers (ElfFile.segments, ElfFileReader.segments). */
export function loadBias(segments: readonly ElfSegment[], mappings: readonly MapsEntry[]): number | undefined {
  for (const segment of segments) {
    if (segment.type !== PT_LOAD || segment.fileSize === 0) continue;
    const fileStart = pageDown(segment.offset);
    const mapping = mappings.find((m) => m.offset <= fileStart && fileStart < m.offset + (m.end - m.start));
    if (!mapping) continue;
    // mapping.start maps file offset mapping.offset; the segment's first page
    // (file offset fileStart) is linked at pageDown(segment.address).
    return mapping.start + (fileStart - mapping.offset) - pageDown(segment.address);
  }
  return undefined;
}
