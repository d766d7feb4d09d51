import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES_DIR = path.join(PROJECT_ROOT, 'fixtures');
export const INCLUDE_DIR = path.join(PROJECT_ROOT, 'native', 'include');
export const IPROBE_CLI = path.join(PROJECT_ROOT, 'dist', 'cli', 'iprobe.js');

export const fixture = (...parts: string[]) => path.join(FIXTURES_DIR, ...parts);
