/**
 * Plugins import only from plugin-sdk (and their own folder, node built-ins and npm packages) —
 * never kernel internals — and every first-party plugin keeps the SDK contract.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KERNEL_API_VERSION, type PluginDefinition } from '../plugin-sdk/index.js';
import { scanPlugins } from '../kernel/plugins/plugin-catalog.js';
import { PLUGINS_DIR, PROJECT_ROOT } from '../kernel/paths.js';
import semver from 'semver';

/** A plugin's shipped code: tests are excluded, since integration tests drive a real gateway. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return ['node_modules', 'dist', 'test'].includes(name) ? [] : sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(name) && !/\.test\.[mc]?[jt]s$/.test(name) ? [path] : [];
  });
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

describe('plugin import boundary', () => {
  const pluginDirs = readdirSync(PLUGINS_DIR).map((d) => join(PLUGINS_DIR, d)).filter((d) => statSync(d).isDirectory());

  it('finds the first-party plugins', () => {
    expect(pluginDirs.map((d) => relative(PLUGINS_DIR, d))).toEqual(expect.arrayContaining(['auth-master-key', 'provider-fake', 'provider-openai-compatible']));
  });

  for (const dir of pluginDirs) {
    it(`${relative(PROJECT_ROOT, dir)} imports nothing from the kernel`, () => {
      const sdk = resolve(PROJECT_ROOT, 'plugin-sdk');
      const violations: string[] = [];
      for (const file of sourceFiles(dir)) {
        for (const spec of importsOf(file)) {
          if (!spec.startsWith('.') && !spec.startsWith('/')) {
            if (/(^|\/)kernel(\/|$)/.test(spec) || spec.startsWith('sluice/kernel')) violations.push(`${relative(PROJECT_ROOT, file)}: ${spec}`);
            continue; // node built-ins and npm packages
          }
          const target = resolve(dirname(file), spec);
          const inOwnFolder = target.startsWith(dir + '/');
          const inSdk = target === sdk || target.startsWith(sdk + '/');
          if (!inOwnFolder && !inSdk) violations.push(`${relative(PROJECT_ROOT, file)}: ${spec}`);
        }
      }
      expect(violations).toEqual([]);
    });
  }

  it('the checker itself catches a kernel import', () => {
    expect([...`import { x } from '../../../kernel/errors.js';`.matchAll(IMPORT)].map((m) => m[1])).toEqual(['../../../kernel/errors.js']);
  });
});

describe('first-party plugins keep the SDK contract', () => {
  for (const entry of scanPlugins().latest()) {
    const { manifest, dir } = entry;
    it(`${manifest.id}: manifest, code and README agree`, async () => {
      const mod = (await import(pathToFileURL(join(dir, manifest.main ?? 'src/index.ts')).href)) as { default: PluginDefinition };
      expect(mod.default.id).toBe(manifest.id);
      expect(mod.default.version).toBe(manifest.version);
      expect(semver.satisfies(KERNEL_API_VERSION, manifest.apiVersion)).toBe(true);
      expect(mod.default.apiVersion).toBe(manifest.apiVersion);
      expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain(manifest.id);
      expect(manifest.id).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
      if (entry.configSchema) {
        const schema = entry.configSchema as { additionalProperties?: boolean; properties?: Record<string, { description?: string }> };
        expect(schema.additionalProperties).toBe(false);
        for (const [name, prop] of Object.entries(schema.properties ?? {})) expect(prop.description, `${manifest.id} config.${name} has a description`).toBeTruthy();
      }
    });
  }
});
