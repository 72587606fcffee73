/** Where this Sluice installation keeps the SDK that `@sluice/plugin-sdk` stands for. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../kernel/paths.js';

export const SDK_SPECIFIER = '@sluice/plugin-sdk';
export const SDK_TESTING_SPECIFIER = '@sluice/plugin-sdk/testing';

export interface SdkLocation {
  /** Folder holding `index.ts` (or, for an installation without sources, the compiled `index.js`). */
  dir: string;
  /** `.ts` when the sources are there. */
  extension: '.ts' | '.js';
}

export function sdkLocation(): SdkLocation {
  const sources = join(PROJECT_ROOT, 'plugin-sdk');
  if (existsSync(join(sources, 'index.ts'))) return { dir: sources, extension: '.ts' };
  const compiled = join(PROJECT_ROOT, 'dist', 'plugin-sdk');
  if (existsSync(join(compiled, 'index.js'))) return { dir: compiled, extension: '.js' };
  throw new Error(`cannot find the Sluice plugin SDK under ${sources}`);
}
