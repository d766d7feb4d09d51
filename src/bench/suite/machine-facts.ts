/** The machine a run was measured on, as the report prints it. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { projectRoot } from '../../native/load-addon.js';
import { runCommand } from '../programs/run-command.js';

export interface MachineFacts {
  date: string;
  cpu: string;
  logicalCpus: number;
  memoryGiB: number;
  kernel: string;
  distribution: string;
  /** "KVM virtual machine" or "bare metal (no hypervisor flag)". */
  virtualization: string;
  clocksource: string;
  /** Whether `perf stat -e instructions` counts here (a hardware PMU visible to the kernel). */
  hardwareCounters: string;
  node: string;
  gcc: string;
  /** First line of `--version` of each comparison tool, or "not installed". */
  tools: Record<string, string>;
  gitCommit: string;
}

const TOOLS = ['clang', 'uftrace', 'bpftrace', 'perf', 'lttng', 'gdb', 'valgrind', 'objdump'];

export async function readMachineFacts(): Promise<MachineFacts> {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    logicalCpus: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    distribution: readDistribution(),
    virtualization: readVirtualization(),
    clocksource: readText('/sys/devices/system/clocksource/clocksource0/current_clocksource') ?? 'unknown',
    hardwareCounters: await probeHardwareCounters(),
    node: process.version,
    gcc: await firstLine('gcc', ['--version']),
    tools: Object.fromEntries(await Promise.all(TOOLS.map(async (tool) => [tool, await firstLine(tool, ['--version'])] as const))),
    gitCommit: await firstLine('git', ['-C', projectRoot, 'rev-parse', '--short', 'HEAD']),
  };
}

export function machineFactsMarkdown(facts: MachineFacts, loadAverage: { start: number; end: number }): string {
  return [
    `- date: ${facts.date}, iprobe commit ${facts.gitCommit}`,
    `- CPU: ${facts.cpu}, ${facts.logicalCpus} logical CPUs, ${facts.memoryGiB} GiB`,
    `- ${facts.distribution}, ${facts.kernel}, ${facts.virtualization}, clocksource ${facts.clocksource}`,
    `- hardware counters: ${facts.hardwareCounters}`,
    `- Node ${facts.node}, ${facts.gcc}`,
    `- tools: ${Object.values(facts.tools).join('; ')}`,
    `- load average (1 min) at start ${loadAverage.start.toFixed(2)}, at end ${loadAverage.end.toFixed(2)}`,
  ].join('\n');
}

export const loadAverageNow = (): number => os.loadavg()[0]!;

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function readDistribution(): string {
  const release = readText('/etc/os-release') ?? '';
  return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)?.[1] ?? 'unknown distribution';
}

function readVirtualization(): string {
  const cpuinfo = readText('/proc/cpuinfo') ?? '';
  if (!/^flags\s*:.*\bhypervisor\b/m.test(cpuinfo)) return 'no hypervisor flag';
  const vendor = readText('/sys/class/dmi/id/sys_vendor') ?? readText('/sys/class/dmi/id/product_name');
  return `virtual machine${vendor ? ` (${vendor})` : ''}`;
}

async function probeHardwareCounters(): Promise<string> {
  try {
    const { stderr } = await runCommand('perf', ['stat', '-x,', '-e', 'instructions', 'true']);
    return /not supported|not counted/.test(stderr) ? 'none (perf stat -e instructions: not supported)' : 'available (perf stat counts instructions)';
  } catch {
    return 'unknown (perf not installed)';
  }
}

async function firstLine(file: string, args: string[]): Promise<string> {
  try {
    return (await runCommand(file, args)).stdout.split('\n')[0]!.trim();
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${file}: not installed` : `${file}: version unknown`;
  }
}
