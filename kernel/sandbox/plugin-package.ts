/**
 * Third-party plugin packages: a directory or a `.tgz` (files under `package/`, as `npm pack`
 * writes them) holding `plugin.json`, one bundled `plugin.js` and optionally `config.schema.json`.
 * The `.tgz`'s SHA-256 may be pinned in config and is checked before anything is evaluated.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import { compileSchema, PLUGIN_MANIFEST_SCHEMA, type PluginManifest } from '@sluice/plugin-sdk/schemas';
import { ConfigError } from '../config/config-error.js';
import { assertValid } from '../config/schema-validator.js';
import type { CatalogEntry } from '../plugins/plugin-catalog.js';

const validateManifest = compileSchema(PLUGIN_MANIFEST_SCHEMA);
const MAX_FILE_BYTES = 10 * 1024 * 1024;
const BUNDLE_NAME = /^[\w.-]+\.js$/;

export interface SandboxSource {
  /** The plugin's single bundled script. */
  bundle: string;
  /** Lower-case hex SHA-256 of the `.tgz` (undefined for a directory). */
  sha256: string | undefined;
  /** Where it was read from. */
  source: string;
}

/** `use:` values that name a package rather than a plugin under plugins/. */
export function isPackagePath(use: string): boolean {
  return use.startsWith('./') || use.startsWith('../') || use.startsWith('/') || use.endsWith('.tgz');
}

export async function readPluginPackage(path: string, baseDir: string, pinnedSha256?: string): Promise<CatalogEntry & { sandbox: SandboxSource }> {
  const source = resolve(baseDir, path);
  if (!existsSync(source)) throw new ConfigError(source, '', 'no plugin package at this path');
  let files: Map<string, Buffer>;
  let sha256: string | undefined;
  if (statSync(source).isDirectory()) {
    if (pinnedSha256) throw new ConfigError(source, 'sha256', 'a sha256 pin needs a packed .tgz (sluice plugin pack); this is a directory');
    files = new Map();
    for (const name of ['plugin.json', 'config.schema.json']) if (existsSync(join(source, name))) files.set(name, readFileSync(join(source, name)));
  } else {
    const bytes = readFileSync(source);
    sha256 = createHash('sha256').update(bytes).digest('hex');
    if (pinnedSha256 && pinnedSha256.toLowerCase() !== sha256) {
      throw new ConfigError(source, 'sha256', `the package's SHA-256 is ${sha256}, but the config pins ${pinnedSha256}; refusing to load it`);
    }
    files = await untar(bytes, source);
  }
  const manifestFile = `${source}!plugin.json`;
  const manifestBytes = files.get('plugin.json');
  if (!manifestBytes) throw new ConfigError(source, 'plugin.json', 'the package has no plugin.json');
  let manifest: PluginManifest;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8')) as PluginManifest;
  } catch (err) {
    throw new ConfigError(manifestFile, '', `invalid JSON: ${(err as Error).message}`);
  }
  assertValid(validateManifest, manifest, manifestFile, '');
  const main = manifest.main ?? 'plugin.js';
  if (!BUNDLE_NAME.test(main)) throw new ConfigError(manifestFile, 'main', `must name the bundled .js file at the package root, not ${JSON.stringify(main)}`);
  const bundleBytes = files.get(main) ?? (statSync(source).isDirectory() && existsSync(join(source, main)) ? readFileSync(join(source, main)) : undefined);
  if (!bundleBytes) throw new ConfigError(source, main, 'the package has no bundled plugin file');
  let configSchema: object | undefined;
  let validateConfig;
  const schemaBytes = files.get('config.schema.json');
  if (schemaBytes) {
    try {
      configSchema = JSON.parse(schemaBytes.toString('utf8')) as object;
      validateConfig = compileSchema(configSchema);
    } catch (err) {
      throw new ConfigError(`${source}!config.schema.json`, '', `invalid config schema: ${(err as Error).message}`);
    }
  }
  return { manifest, dir: source, configSchema, validateConfig, sandbox: { bundle: bundleBytes.toString('utf8'), sha256, source } };
}

/** Reads the regular files under `package/` of a gzipped tar, in memory. */
function untar(bytes: Buffer, source: string): Promise<Map<string, Buffer>> {
  return new Promise((resolvePromise, reject) => {
    const files = new Map<string, Buffer>();
    let failed = false;
    const fail = (problem: string) => {
      if (!failed) reject(new ConfigError(source, '', problem));
      failed = true;
    };
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        const name = entry.path.replace(/^package\//, '');
        if (entry.type === 'Directory') return entry.resume();
        if (entry.type !== 'File' || name === entry.path || name.includes('/') || entry.size > MAX_FILE_BYTES) {
          fail(`unexpected entry ${JSON.stringify(entry.path)} in the package (only regular files directly under package/ are allowed)`);
          return entry.resume();
        }
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => chunks.push(c));
        entry.on('end', () => files.set(name, Buffer.concat(chunks)));
      },
    });
    parser.on('error', (err: Error) => fail(`not a readable .tgz: ${err.message}`));
    parser.on('end', () => {
      if (!failed) resolvePromise(files);
    });
    parser.end(bytes);
  });
}
