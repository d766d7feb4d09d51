import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';

/**
 * Runs one build command with its stdout and stderr appended to the build's
 * log file, after a `$ command` line. A failure names the log and quotes its
 * end, since compiler errors are usually at the bottom.
 */
export async function runLogged(
  logFile: string,
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<void> {
  const command = [file, ...args].join(' ');
  await fsp.appendFile(logFile, `$ ${options.cwd ? `(cd ${options.cwd} && ${command})` : command}\n`);
  const fd = fs.openSync(logFile, 'a');
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(file, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', fd, fd] });
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) {
      const tail = (await fsp.readFile(logFile, 'utf8')).trimEnd().split('\n').slice(-20).join('\n');
      throw new Error(`build step failed (exit ${code ?? 'signal'}): ${command}\n(log: ${logFile})\n${tail}`);
    }
  } finally {
    fs.closeSync(fd);
  }
}
