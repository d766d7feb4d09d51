/**
 * The only place the native addon is loaded. Each concern has its own typed
 * wrapper module in this folder (x86-decoder.ts, debug-info.ts, ...); the rest
 * of the code imports those, never the raw binding.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const addonPath = path.join(projectRoot, 'build', 'Release', 'iprobe.node');

let loaded: Record<string, unknown> | undefined;

/** The raw binding, typed by the caller's wrapper module. */
export function loadAddon<T>(): T {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    try {
      loaded = require(addonPath) as Record<string, unknown>;
    } catch (err) {
      throw new Error(
        `cannot load the native addon ${addonPath}: ${(err as Error).message} (build it with: npm run build:native)`,
      );
    }
  }
  return loaded as T;
}
