/** Where the project's files are, whether the kernel runs compiled (dist/) or from source under vitest. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** True when running the TypeScript sources directly (tests), false for compiled `dist/`. */
export const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');
/** The repository / package root. */
export const PROJECT_ROOT = RUNNING_FROM_SOURCE ? resolve(here, '..') : resolve(here, '..', '..');
/** Root of the code that is imported: sources or their compiled copies. */
export const CODE_ROOT = RUNNING_FROM_SOURCE ? PROJECT_ROOT : join(PROJECT_ROOT, 'dist');
export const PLUGINS_DIR = join(PROJECT_ROOT, 'plugins');
export const SCHEMAS_DIR = join(PROJECT_ROOT, 'schemas');
export const DEFAULT_CONFIG = join(PROJECT_ROOT, 'config', 'default.yaml');

/** Turns a plugin's source entry (`src/index.ts`) into the module to import in this mode. */
export function pluginEntryModule(pluginDir: string, main: string): string {
  const source = resolve(pluginDir, main);
  // Only the project's own TypeScript sources have compiled copies; anything else loads as is.
  if (RUNNING_FROM_SOURCE || !source.endsWith('.ts') || !source.startsWith(PROJECT_ROOT + '/')) return source;
  const relativeToRoot = source.slice(PROJECT_ROOT.length + 1);
  return join(CODE_ROOT, relativeToRoot).replace(/\.ts$/, '.js');
}
