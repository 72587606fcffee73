/**
 * The plugins installed under plugins/: each folder holds a plugin.json manifest, an optional
 * config.schema.json and its code. Several versions of one id may sit side by side
 * (`plugins/budget/`, `plugins/budget@2.0.0/`); `use: budget@^1` picks the highest match.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import semver from 'semver';
import { compileSchema, PLUGIN_MANIFEST_SCHEMA, type PluginManifest } from '@sluice/plugin-sdk/schemas';
import { ConfigError } from '../config/config-error.js';
import { assertValid } from '../config/schema-validator.js';
import { PLUGINS_DIR } from '../paths.js';
import type { SandboxSource } from '../sandbox/plugin-package.js';

const validateManifest = compileSchema(PLUGIN_MANIFEST_SCHEMA);

export interface CatalogEntry {
  manifest: PluginManifest;
  dir: string;
  configSchema: object | undefined;
  validateConfig: ValidateFunction | undefined;
  /** Set for packaged third-party plugins, which run in an isolate. */
  sandbox?: SandboxSource;
}

export class PluginCatalog {
  private readonly byId = new Map<string, CatalogEntry[]>();

  add(entry: CatalogEntry): void {
    const list = this.byId.get(entry.manifest.id) ?? [];
    if (list.some((e) => e.manifest.version === entry.manifest.version)) {
      throw new ConfigError(join(entry.dir, 'plugin.json'), 'version', `${entry.manifest.id}@${entry.manifest.version} is installed twice`);
    }
    list.push(entry);
    list.sort((a, b) => semver.rcompare(a.manifest.version, b.manifest.version));
    this.byId.set(entry.manifest.id, list);
  }

  /** Highest installed version of `id` within `range`. */
  find(id: string, range = '*'): CatalogEntry | undefined {
    return this.byId.get(id)?.find((e) => semver.satisfies(e.manifest.version, range, { includePrerelease: true }));
  }

  versions(id: string): string[] {
    return (this.byId.get(id) ?? []).map((e) => e.manifest.version);
  }

  /** The newest version of every installed plugin. */
  latest(): CatalogEntry[] {
    return [...this.byId.values()].map((list) => list[0]!).sort((a, b) => a.manifest.id.localeCompare(b.manifest.id));
  }
}

export function readPluginFolder(dir: string): CatalogEntry {
  const manifestFile = join(dir, 'plugin.json');
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  } catch (err) {
    throw new ConfigError(manifestFile, '', `cannot read the manifest: ${(err as Error).message}`);
  }
  assertValid(validateManifest, manifest, manifestFile, '');
  const m = manifest as PluginManifest;
  if (!semver.valid(m.version)) throw new ConfigError(manifestFile, 'version', `${JSON.stringify(m.version)} is not a semver version`);
  if (!semver.validRange(m.apiVersion)) throw new ConfigError(manifestFile, 'apiVersion', `${JSON.stringify(m.apiVersion)} is not a semver range`);
  const schemaFile = join(dir, 'config.schema.json');
  let configSchema: object | undefined;
  let validateConfig: ValidateFunction | undefined;
  if (existsSync(schemaFile)) {
    try {
      configSchema = JSON.parse(readFileSync(schemaFile, 'utf8')) as object;
      validateConfig = compileSchema(configSchema);
    } catch (err) {
      throw new ConfigError(schemaFile, '', `invalid config schema: ${(err as Error).message}`);
    }
  }
  return { manifest: m, dir, configSchema, validateConfig };
}

export function scanPlugins(root: string = PLUGINS_DIR): PluginCatalog {
  const catalog = new PluginCatalog();
  if (!existsSync(root)) return catalog;
  for (const d of readdirSync(root, { withFileTypes: true })) {
    if (!d.isDirectory() || !existsSync(join(root, d.name, 'plugin.json'))) continue;
    catalog.add(readPluginFolder(join(root, d.name)));
  }
  return catalog;
}
