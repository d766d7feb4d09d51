/**
 * Pointing an object's hook slots at an injected runtime, and back.
 *
 * A process started without the runtime bound each instrumented object's
 * `__cyg_profile_func_enter/exit` GOT slots to glibc's do-nothing hooks, or
 * (lazy binding, not called yet) left them on the PLT stub's `push`. A
 * dlopen'ed runtime does not change that (it is not in the objects' lookup
 * scope, and a bound slot is never looked up again), so its handlers are
 * written into the slots directly — what ld.so itself would have written.
 * With full RELRO the slots' page is read-only; writes through
 * /proc/PID/mem still land (the kernel's FOLL_FORCE path copies the private
 * page), and every write is read back.
 *
 * Order: the slots are compare-and-swapped in the same stop of every thread
 * as the first sites that go on (probe-switch.ts), never in a stop of their
 * own, so no thread ever runs a switched-on site whose slot still leads to
 * glibc's stub while iprobe counts it as traced; and a failure rolls back
 * sites and slots together. Slots stay redirected when sites go off (no
 * site reaches them then); `--off --detach-runtime` writes the recorded
 * originals back in the same stop as the last sites go off.
 */
import type { ElfFileReader } from '../elf/elf-file-reader.js';
import { PT_LOAD } from '../elf/elf-constants.js';
import { isDefinedFunction } from '../elf/symbol-table.js';
import { readMemory, type SiteChange } from '../process/patch-engine.js';
import { UserError } from '../util/user-error.js';
import { writeInjectionRecord, type RedirectedSlot } from './injection-record.js';
import { loadBias } from './load-bias.js';
import type { LoadedObject } from './loaded-objects.js';
import { withObjectElf } from './object-elf.js';
import type { ProbedObject } from './probed-objects.js';
import type { AttachedRuntime } from './runtime-injection.js';
import type { RuntimeHandler } from './runtime-in-process.js';

const SLOT_SIZE = 8;
const GOT_HOOKS = [
  ['entry', '__cyg_profile_func_enter'],
  ['exit', '__cyg_profile_func_exit'],
] as const;

/** Slot writes for one switch, and the record kept in step with them. */
export interface SlotPlan {
  changes: SiteChange[];
  /** Writes the record before the slots are written (write-ahead). */
  begin(): void;
  /** After the operation: keeps what was written, forgets what was not. */
  finish(written: boolean): void;
}

interface SlotWrite {
  slot: RedirectedSlot;
  expected: bigint;
  value: bigint;
}

/** Slot changes that point every hook slot of `objects` at the injected runtime. */
export async function planRedirection(pid: number, objects: readonly ProbedObject[], attached: AttachedRuntime): Promise<SlotPlan> {
  const record = attached.record!;
  const handlers = attached.runtime.handlers;
  const wanted: { object: ProbedObject; hook: RuntimeHandler; address: number; linkTimeAddress?: number; fallback?: bigint }[] = [];
  for (const object of objects) {
    for (const [kind, hook] of GOT_HOOKS) {
      const slots = object.list.hooks[kind].got;
      if (slots.length === 0 && object.list.sites.some((s) => s.kind === kind)) {
        throw new UserError(
          `${object.object.path} calls ${hook} without a GOT slot (it defines the hook itself), so an injected runtime cannot be reached from it`,
          'start the service with the runtime preloaded: iprobe run -- <program>',
        );
      }
      for (const slot of slots) {
        wanted.push({ object, hook, address: slot + object.bias, linkTimeAddress: object.list.binary.bindNow ? undefined : slot });
      }
    }
    const point = object.list.hooks.point;
    if (point) {
      wanted.push({ object, hook: '__iprobe_point_hit', address: point.slot + object.bias, fallback: BigInt(point.slotDefault + object.bias) });
    }
  }
  const current = await readSlots(pid, wanted.map((w) => w.address));
  // What a slot may hold before it is redirected; worked out only for slots
  // that do not hold the handler already (none, once redirected), reading a
  // few bytes of the files concerned and nothing of the others.
  const unresolved = (w: (typeof wanted)[number]): bigint | undefined => {
    if (w.linkTimeAddress === undefined) return undefined;
    const word = withObjectElf(pid, w.object.object, (elf) => linkTimeWord(elf, w.linkTimeAddress!));
    return word === undefined ? undefined : word + BigInt(w.object.bias);
  };
  const writes: SlotWrite[] = [];
  wanted.forEach((w, i) => {
    const value = BigInt(handlers[w.hook]);
    const now = current[i];
    if (now === value) return;
    const acceptable =
      now !== undefined &&
      (now === w.fallback || now === unresolved(w) || isHookDefinition(pid, attached.objects, attached.runtime.object, w.hook, now));
    if (!acceptable) {
      throw new UserError(
        `the ${w.hook} slot of ${w.object.object.path} at 0x${w.address.toString(16)} holds ${now === undefined ? 'unreadable memory' : `0x${now.toString(16)}`}: neither glibc's hook, the unresolved PLT entry nor the iprobe runtime; nothing was changed`,
        'another tool may have redirected it (a PLT hooker, a different profiling runtime)',
      );
    }
    writes.push({ slot: { object: w.object.object.path, hook: w.hook, address: w.address, original: now, replacement: value }, expected: now, value });
  });
  const before = record.slots;
  return {
    changes: writes.map(toChange),
    begin() {
      if (writes.length === 0) return;
      const written = new Set(writes.map((w) => w.slot.address));
      record.slots = [...before.filter((s) => !written.has(s.address)), ...writes.map((w) => w.slot)];
      writeInjectionRecord(record);
    },
    finish(written) {
      if (written || writes.length === 0) return;
      record.slots = before;
      writeInjectionRecord(record);
    },
  };
}

/** Slot changes that put back what the record says iprobe replaced. */
export async function planRestore(pid: number, attached: AttachedRuntime): Promise<SlotPlan> {
  const record = attached.record!;
  const current = await readSlots(pid, record.slots.map((s) => s.address));
  const writes: SlotWrite[] = [];
  record.slots.forEach((slot, i) => {
    const now = current[i];
    if (now === slot.original) return; // never written (a tool killed after the record), or put back already
    if (now !== slot.replacement) {
      throw new UserError(
        `the ${slot.hook} slot of ${slot.object} at 0x${slot.address.toString(16)} holds ${now === undefined ? 'unreadable memory' : `0x${now.toString(16)}`}, not what iprobe wrote; nothing was changed`,
        'something else rewrote it after iprobe; restore it by hand or restart the service',
      );
    }
    writes.push({ slot, expected: slot.replacement, value: slot.original });
  });
  return {
    changes: writes.map(toChange),
    begin() {},
    finish(written) {
      if (!written && writes.length > 0) return;
      record.slots = [];
      writeInjectionRecord(record);
    },
  };
}

function toChange(w: SlotWrite): SiteChange {
  return { address: w.slot.address, expected: u64(w.expected), replacement: u64(w.value) };
}

function u64(value: bigint): Buffer {
  const b = Buffer.alloc(SLOT_SIZE);
  b.writeBigUInt64LE(value);
  return b;
}

async function readSlots(pid: number, addresses: readonly number[]): Promise<(bigint | undefined)[]> {
  const bytes = await readMemory(pid, addresses.map((address) => ({ address, length: SLOT_SIZE })));
  return bytes.map((b) => (b ? Buffer.from(b).readBigUInt64LE(0) : undefined));
}

/** The word the file holds at a link-time address (a lazy GOT slot's PLT `push` address). */
function linkTimeWord(elf: ElfFileReader, address: number): bigint | undefined {
  const segment = elf.segments.find((s) => s.type === PT_LOAD && s.address <= address && address + SLOT_SIZE <= s.address + s.fileSize);
  return segment ? elf.read(segment.offset + (address - segment.address), SLOT_SIZE)?.readBigUInt64LE(0) : undefined;
}

/**
 * Whether `value` is the run-time address of a definition of `hook` in an
 * object other than the runtime (glibc's, a preloaded profiler's): only the
 * object whose code contains that address is looked at.
 */
function isHookDefinition(pid: number, objects: readonly LoadedObject[], runtime: LoadedObject, hook: string, value: bigint): boolean {
  const address = Number(value);
  const object = objects.find(
    (o) => o !== runtime && o.path !== runtime.path && o.mappings.some((m) => m.executable && m.start <= address && address < m.end),
  );
  if (!object) return false;
  return (
    withObjectElf(pid, object, (elf) => {
      const bias = loadBias(elf.segments, object.mappings);
      return bias !== undefined && elf.dynamicSymbols().some((s) => isDefinedFunction(s) && s.name === hook && s.value + bias === address);
    }) ?? false
  );
}
