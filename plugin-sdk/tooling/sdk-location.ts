/** Where the SDK that `@sluice/plugin-sdk` stands for sits: the package this tooling belongs to. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The package's root folder: this file is `tooling/sdk-location.ts` there, or `dist/tooling/sdk-location.js` once built. */
export const SDK_PACKAGE_ROOT = import.meta.url.endsWith('.ts') ? resolve(here, '..') : resolve(here, '..', '..');

export const SDK_SPECIFIER = '@sluice/plugin-sdk';
export const SDK_TESTING_SPECIFIER = '@sluice/plugin-sdk/testing';

export interface SdkLocation {
  /** Folder holding `index.ts` (or, for an installation without sources, the compiled `index.js`). */
  dir: string;
  /** `.ts` when the sources are there. */
  extension: '.ts' | '.js';
}

export function sdkLocation(): SdkLocation {
  // In a Sluice checkout the sources sit beside dist/; an installed package has only dist/.
  const sources = SDK_PACKAGE_ROOT;
  if (existsSync(join(sources, 'index.ts'))) return { dir: sources, extension: '.ts' };
  const compiled = join(SDK_PACKAGE_ROOT, 'dist');
  if (existsSync(join(compiled, 'index.js'))) return { dir: compiled, extension: '.js' };
  throw new Error(`cannot find the Sluice plugin SDK under ${sources}`);
}
