/**
 * Writes throwaway plugin folders for tests: a plugin.json plus an `index.mjs` whose body is the
 * given source (it must `export default { id, version, apiVersion, setup }`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { KERNEL_API_VERSION } from '@sluice/plugin-sdk';
import { tempDir } from './gateway.js';

/** The `apiVersion` range test plugins declare: this kernel's major. */
export const KERNEL_API_RANGE = `^${semver.major(KERNEL_API_VERSION)}`;

export interface TestPluginSpec {
  id: string;
  version?: string;
  apiVersion?: string;
  hooks?: Record<string, { stage?: string; streaming?: string; timeoutMs?: number }>;
  failurePolicy?: Record<string, string>;
  configSchema?: object;
  /** Module source; `__ID__` and `__VERSION__` are replaced. */
  source: string;
  manifestExtra?: Record<string, unknown>;
}

export function writeTestPlugin(spec: TestPluginSpec, root = tempDir('sluice-plugin-')): string {
  const dir = join(root, `${spec.id}@${spec.version ?? '1.0.0'}`);
  mkdirSync(dir, { recursive: true });
  const manifest = {
    id: spec.id,
    version: spec.version ?? '1.0.0',
    apiVersion: spec.apiVersion ?? KERNEL_API_RANGE,
    main: 'index.mjs',
    hooks: spec.hooks ?? {},
    ...(spec.failurePolicy ? { failurePolicy: spec.failurePolicy } : {}),
    ...spec.manifestExtra,
  };
  writeFileSync(join(dir, 'plugin.json'), JSON.stringify(manifest, null, 2));
  if (spec.configSchema) writeFileSync(join(dir, 'config.schema.json'), JSON.stringify(spec.configSchema));
  writeFileSync(join(dir, 'index.mjs'), spec.source.replaceAll('__ID__', spec.id).replaceAll('__VERSION__', spec.version ?? '1.0.0'));
  return dir;
}

/** `export default {...}` boilerplate around a setup body. */
export function pluginSource(setupBody: string): string {
  return `export default { id: '__ID__', version: '__VERSION__', apiVersion: '${KERNEL_API_RANGE}', async setup(ctx, config) { ${setupBody} } };\n`;
}
