/** Whether a comparison tool can run on this machine, and if not, the reason the report prints. */
export type Availability = { available: true } | { available: false; why: string };

export const available: Availability = { available: true };
export const notAvailable = (why: string): Availability => ({ available: false, why });

/** The first meaningful line of a failed command's output, for "not available here: …". */
export function firstErrorLine(err: unknown): string {
  const e = err as { stderr?: string; stdout?: string; message?: string };
  const text = [e.stderr, e.stdout, e.message].find((t) => t && t.trim()) ?? String(err);
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/RLIMIT_MEMLOCK|^Attaching \d+ probe/.test(l));
  return lines.find((l) => /error|fail|cannot|not |denied|no such/i.test(l)) ?? lines[0] ?? 'unknown error';
}

/** Runs `command --version` (or the given arguments); not available when it is missing or fails. */
export async function checkInstalled(
  command: string,
  debianPackage: string,
  run: (file: string, args: string[]) => Promise<unknown>,
  args: string[] = ['--version'],
): Promise<Availability> {
  try {
    await run(command, args);
    return available;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT'
      ? notAvailable(`${command} is not installed (Debian package ${debianPackage})`)
      : notAvailable(`${command} ${args.join(' ')} failed: ${firstErrorLine(err)}`);
  }
}
