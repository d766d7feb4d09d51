/** Where the runtime library is, and how a child process gets it preloaded. */
import path from 'node:path';
import { projectRoot } from '../native/load-addon.js';
import { UserError } from '../util/user-error.js';
import type { Mode } from './layout.js';

/** Built by binding.gyp's iprobe_runtime target (`npm run build:native`). */
export const runtimeLibraryPath = path.join(projectRoot, 'build', 'Release', 'libiprobe_runtime.so');

/**
 * The environment of a program started with the runtime: ours first in
 * LD_PRELOAD (so its hooks win), whatever was preloaded before kept after it.
 */
export function preloadEnvironment(env: NodeJS.ProcessEnv, mode: Mode, library = runtimeLibraryPath): NodeJS.ProcessEnv {
  // ld.so splits LD_PRELOAD at spaces and colons; such a path cannot be preloaded at all
  if (/[\s:]/.test(library)) {
    throw new UserError(`cannot preload ${library}: the path contains a space or colon`, 'install iprobe under a plainer path');
  }
  const existing = (env.LD_PRELOAD ?? '').split(/[\s:]+/).filter((entry) => entry && entry !== library);
  return { ...env, LD_PRELOAD: [library, ...existing].join(':'), IPROBE_MODE: mode };
}
