/**
 * What the tests need to know about a built binary, read with binutils
 * (readelf, objdump) so the checks do not depend on iprobe's own ELF code.
 */
import { execFileSync } from 'node:child_process';

function run(file: string, args: string[]): string {
  return execFileSync(file, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
}

export function elfType(binary: string): 'EXEC' | 'DYN' | string {
  return /Type:\s+(\S+)/.exec(run('readelf', ['-h', binary]))![1]!;
}

export interface Section {
  name: string;
  address: number;
  size: number;
}

export function sections(binary: string): Section[] {
  const out: Section[] = [];
  // [15] .plt.sec          PROGBITS        00000000000022e0 0022e0 0002a0 10  AX  0   0 16
  for (const m of run('readelf', ['-SW', binary]).matchAll(/\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)/g)) {
    out.push({ name: m[1]!, address: parseInt(m[2]!, 16), size: parseInt(m[3]!, 16) });
  }
  return out;
}

/** The flags of the dynamic section's FLAGS and FLAGS_1 entries, e.g. BIND_NOW, NOW, PIE. */
export function dynamicFlags(binary: string): string[] {
  const flags: string[] = [];
  for (const m of run('readelf', ['-dW', binary]).matchAll(/\((FLAGS(?:_1)?)\)\s+(?:Flags:)?\s*([A-Z_ ]+)/g)) {
    flags.push(...m[2]!.trim().split(/\s+/));
  }
  return flags;
}

export function programHeaderTypes(binary: string): string[] {
  return [...run('readelf', ['-lW', binary]).matchAll(/^\s+([A-Z_]+)\s+0x/gm)].map((m) => m[1]!);
}

export interface HookCall {
  address: number;
  hook: '__cyg_profile_func_enter' | '__cyg_profile_func_exit';
  /** The instruction's bytes: e8 + rel32 through the PLT, or ff 15 + rel32 through the GOT (-fno-plt). */
  bytes: number[];
  /** Where the call goes: the PLT stub, or the GOT slot it reads. */
  target: number;
  via: 'plt' | 'got';
}

/** Every call instruction whose target objdump names as one of the -finstrument-functions hooks. */
export function hookCalls(binary: string): HookCall[] {
  const calls: HookCall[] = [];
  //   140e2:	e8 89 e1 fe ff       	call   2270 <__cyg_profile_func_enter@plt>
  //  40103a:	ff 15 78 7f 01 00    	call   *0x17f78(%rip)        # 418fb8 <__cyg_profile_func_enter@GLIBC_2.2.5>
  const line = /^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\tcall\s+(?:\*0x[0-9a-f]+\(%rip\)\s+#\s+)?([0-9a-f]+) <(__cyg_profile_func_(?:enter|exit))@([^>]+)>/gm;
  for (const m of run('objdump', ['-d', '-w', binary]).matchAll(line)) {
    calls.push({
      address: parseInt(m[1]!, 16),
      bytes: m[2]!.split(' ').map((b) => parseInt(b, 16)),
      target: parseInt(m[3]!, 16),
      hook: m[4] as HookCall['hook'],
      via: m[5] === 'plt' ? 'plt' : 'got',
    });
  }
  return calls;
}

/** The distinct DW_AT_producer strings: gcc's version and the options each compilation unit really got. */
export function producers(binary: string): string[] {
  const found = new Set<string>();
  for (const m of run('readelf', ['--debug-dump=info', binary]).matchAll(/DW_AT_producer\s*:\s*(?:\(indirect string, offset: 0x[0-9a-f]+\):\s*)?(.+)$/gm)) {
    found.add(m[1]!.trim());
  }
  return [...found];
}
