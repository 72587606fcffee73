/**
 * Hand-written plugin packages for sandbox tests: a plugin.json and a plugin.js that sets
 * `globalThis.__sluicePlugin` as an esbuild IIFE bundle would, packed as a directory or a .tgz.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { create } from 'tar';
import { tempDir } from './gateway.js';
import { KERNEL_API_RANGE } from './test-plugins.js';

export interface PackageSpec {
  id: string;
  version?: string;
  apiVersion?: string;
  hooks?: Record<string, { stage?: string; streaming?: string; timeoutMs?: number }>;
  configSchema?: object;
  /** Body of `setup(ctx, config)`; returns the hooks object. */
  setup: string;
  /** Extra code placed before the plugin definition (helpers, an error class). */
  prelude?: string;
  /** More plugin.json fields (`litellm`, `provides`, hook `timeoutMs`…). */
  manifest?: Record<string, unknown>;
}

export function bundleSource(spec: PackageSpec): string {
  return `var __sluicePlugin = (() => {
  ${spec.prelude ?? ''}
  const plugin = { id: ${JSON.stringify(spec.id)}, version: ${JSON.stringify(spec.version ?? '1.0.0')}, apiVersion: ${JSON.stringify(spec.apiVersion ?? KERNEL_API_RANGE)},
    async setup(ctx, config) { ${spec.setup} } };
  return { default: plugin };
})();\n`;
}

/** A SluiceError look-alike, as definePluginErrors builds in a bundle. */
export const VERDICT_PRELUDE = `class SluiceError extends Error {
  constructor(code, status, type, message) { super(message); this.name = 'SluiceError'; this.code = code; this.status = status; this.type = type; this.param = null; this.envelopeCode = status; }
}`;

export function writePackageDir(spec: PackageSpec, root = tempDir('sluice-pkg-')): string {
  const dir = join(root, `${spec.id}-${spec.version ?? '1.0.0'}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'plugin.json'),
    JSON.stringify({ id: spec.id, version: spec.version ?? '1.0.0', apiVersion: spec.apiVersion ?? KERNEL_API_RANGE, main: 'plugin.js', hooks: spec.hooks ?? {}, ...spec.manifest }, null, 2),
  );
  writeFileSync(join(dir, 'plugin.js'), bundleSource(spec));
  if (spec.configSchema) writeFileSync(join(dir, 'config.schema.json'), JSON.stringify(spec.configSchema));
  return dir;
}

/** Packs a package directory as `<dir>.tgz` with its files under `package/`; returns path and sha256. */
export async function packDir(dir: string): Promise<{ file: string; sha256: string }> {
  const staging = tempDir('sluice-pack-');
  mkdirSync(join(staging, 'package'));
  const names = ['plugin.json', 'plugin.js', 'config.schema.json'].filter((n) => {
    try {
      writeFileSync(join(staging, 'package', n), readFileSync(join(dir, n)));
      return true;
    } catch {
      return false;
    }
  });
  const file = `${dir}.tgz`;
  await create({ gzip: true, file, cwd: staging, portable: true }, names.map((n) => `package/${n}`));
  return { file, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') };
}
