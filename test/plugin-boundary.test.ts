/**
 * Plugins import only the SDK package `@sluice/plugin-sdk` (and their own folder, node built-ins
 * and npm packages) — never kernel internals — and every first-party plugin keeps the SDK contract.
 * The SDK points one way: it imports nothing from the kernel or anything else outside its package.
 */
import { builtinModules } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KERNEL_API_VERSION, type PluginDefinition } from '@sluice/plugin-sdk';
import { scanPlugins } from '../kernel/plugins/plugin-catalog.js';
import { PLUGINS_DIR, PROJECT_ROOT } from '../kernel/paths.js';
import semver from 'semver';

/** A plugin's shipped code: tests are excluded, since integration tests drive a real gateway. */
function sourceFiles(dir: string, skip = ['node_modules', 'dist', 'test']): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return skip.includes(name) ? [] : sourceFiles(path, skip);
    return /\.(ts|mts|js|mjs)$/.test(name) && !/\.test\.[mc]?[jt]s$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every code file under `dir`, tests included. */
function allCodeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return ['node_modules', 'dist'].includes(name) ? [] : allCodeFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const SDK_DIR = resolve(PROJECT_ROOT, 'plugin-sdk');
const SDK_PACKAGE = JSON.parse(readFileSync(join(SDK_DIR, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};
/** `@sluice/plugin-sdk` and the subpaths its exports map offers (`@sluice/plugin-sdk/testing`, ...). */
const SDK_SPECIFIERS = Object.keys(SDK_PACKAGE.exports)
  .filter((key) => key !== './package.json')
  .map((key) => (key === '.' ? SDK_PACKAGE.name : `${SDK_PACKAGE.name}${key.slice(1)}`));

function isInside(target: string, dir: string): boolean {
  return target === dir || target.startsWith(dir + '/');
}

/** An npm package name from a bare specifier (`ajv-formats`, `@scope/name/sub` → `@scope/name`). */
function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
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
      const violations: string[] = [];
      for (const file of sourceFiles(dir)) {
        for (const spec of importsOf(file)) {
          if (!spec.startsWith('.') && !spec.startsWith('/')) {
            if (/(^|\/)kernel(\/|$)/.test(spec) || spec.startsWith('sluice/kernel')) violations.push(`${relative(PROJECT_ROOT, file)}: ${spec}`);
            continue; // node built-ins and npm packages
          }
          const target = resolve(dirname(file), spec);
          if (!target.startsWith(dir + '/')) violations.push(`${relative(PROJECT_ROOT, file)}: ${spec}`);
        }
      }
      expect(violations).toEqual([]);
    });

    it(`${relative(PROJECT_ROOT, dir)}'s tests reach the kernel only through a gateway, never by importing it`, () => {
      const violations = allCodeFiles(dir).flatMap((file) =>
        importsOf(file)
          .filter((spec) => /(^|\/)kernel(\/|$)/.test(spec))
          .map((spec) => `${relative(PROJECT_ROOT, file)}: ${spec}`),
      );
      expect(violations).toEqual([]);
    });

    it(`${relative(PROJECT_ROOT, dir)} imports the SDK only by its package name`, () => {
      const violations: string[] = [];
      for (const file of sourceFiles(dir)) {
        for (const spec of importsOf(file)) {
          if (spec.startsWith(`${SDK_PACKAGE.name}/`) && !SDK_SPECIFIERS.includes(spec)) violations.push(`${relative(PROJECT_ROOT, file)}: ${spec} is not in the SDK's exports map`);
        }
      }
      expect(violations).toEqual([]);
    });
  }

  it('the kernel, plugins, tests and SDK examples import the SDK by name, never by path (one copy of the SDK at runtime)', () => {
    const roots = ['kernel', 'plugins', 'test', 'plugin-sdk/examples'].map((d) => join(PROJECT_ROOT, d));
    const violations: string[] = [];
    for (const file of roots.flatMap((d) => allCodeFiles(d))) {
      for (const spec of importsOf(file)) {
        const reachesSdk = spec.startsWith('.') ? isInside(resolve(dirname(file), spec), SDK_DIR) && !isInside(dirname(file), SDK_DIR) : /(^|\/)plugin-sdk\//.test(spec) && !spec.startsWith('@sluice/');
        if (reachesSdk) violations.push(`${relative(PROJECT_ROOT, file)}: ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('the SDK imports nothing from outside its package: not the kernel, not schemas/, only npm packages it declares', () => {
    const declared = new Set([...Object.keys(SDK_PACKAGE.dependencies ?? {}), ...Object.keys(SDK_PACKAGE.peerDependencies ?? {})]);
    const violations: string[] = [];
    for (const file of sourceFiles(SDK_DIR, ['node_modules', 'dist', 'examples', 'templates'])) {
      for (const spec of importsOf(file)) {
        const where = `${relative(PROJECT_ROOT, file)}: ${spec}`;
        if (spec.startsWith('.') || spec.startsWith('/')) {
          if (!isInside(resolve(dirname(file), spec), SDK_DIR)) violations.push(where);
        } else if (!spec.startsWith('node:') && !builtinModules.includes(spec) && !declared.has(packageName(spec))) {
          violations.push(`${where} (not in plugin-sdk/package.json dependencies)`);
        }
      }
    }
    expect(existsSync(join(SDK_DIR, 'index.ts'))).toBe(true);
    expect(violations).toEqual([]);
  });

  it('knows the SDK by its package name and exports map', () => {
    expect(SDK_SPECIFIERS).toEqual(expect.arrayContaining(['@sluice/plugin-sdk', '@sluice/plugin-sdk/testing', '@sluice/plugin-sdk/tooling']));
  });

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
