/**
 * The probe list: what coldpatch found and changed, bound to one exact binary.
 * Format documented in docs/probe-list.md; bump PROBE_LIST_VERSION on any
 * incompatible change.
 */

export const PROBE_LIST_FORMAT = 'iprobe-probe-list';
export const PROBE_LIST_VERSION = 1;

/** entry/exit: -finstrument-functions hooks; point: IPROBE_POINT; patchable-entry: -fpatchable-function-entry. */
export type SiteKind = 'entry' | 'exit' | 'point' | 'patchable-entry';

/** The instruction the site held in the input binary. */
export type SiteForm = 'call' | 'call-indirect' | 'tail-jump' | 'tail-jump-indirect' | 'nop';

export interface BinaryIdentity {
  /** File name (no directory) when the list was written. */
  file: string;
  buildId: string | null;
  /** Of the whole file. */
  sha256: string;
  /**
   * Of the file bytes of every PT_LOAD segment (binary-identity.ts); absent
   * from lists written before it existed, which are checked by sha256.
   */
  loadSha256?: string;
  size: number;
}

export interface ProbeFunction {
  /** Demangled name, or fn_<address> when the binary has no symbol for it. */
  name: string;
  /** Symbol name as linked (mangled for C++). */
  linkName: string;
  address: number;
  size: number;
  file?: string;
  line?: number;
}

export interface ProbeSite {
  /** Link-time address (add the load bias to get the run-time address). */
  address: number;
  length: number;
  kind: SiteKind;
  form: SiteForm;
  /** Index into ProbeList.functions. */
  function: number;
  // The three byte strings are read, never written: a parsed list shares one
  // Buffer between sites that hold the same bytes.
  /** Bytes in the instrumented input. */
  original: Buffer;
  /** Bytes in the coldpatched output (the probe is off). */
  placeholder: Buffer;
  /** Bytes that switch the probe on, or null when iprobe cannot switch this kind on. */
  enable: Buffer | null;
  /** Name of an IPROBE_POINT. */
  name?: string;
  file?: string;
  line?: number;
}

export interface HookAddresses {
  /** PLT stubs (or local definitions) that calls reach. */
  plt: number[];
  /** GOT slots the stubs and -fno-plt calls read. */
  got: number[];
}

export interface ProbeList {
  version: typeof PROBE_LIST_VERSION;
  tool: string;
  binary: BinaryIdentity & {
    elfType: 'exec' | 'dyn';
    linkBase: number;
    pie: boolean;
    bindNow: boolean;
    relro: boolean;
    stripped: boolean;
  };
  /** The instrumented input the list was made from. */
  source: BinaryIdentity;
  hooks: {
    entry: HookAddresses;
    exit: HookAddresses;
    /** IPROBE_POINT handler slot and the value it holds while no runtime is attached. */
    point?: { slot: number; slotDefault: number };
  };
  functions: ProbeFunction[];
  sites: ProbeSite[];
}

export function probeListPathFor(binaryPath: string): string {
  return `${binaryPath}.probes.json`;
}
