import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const sdkDir = new URL('./plugin-sdk/', import.meta.url);
const sdkPackage = JSON.parse(readFileSync(new URL('package.json', sdkDir), 'utf8')) as { name: string; exports: Record<string, string | Record<string, string>> };
/** Each entry point of the SDK's exports map, by its TypeScript source (its `sluice-source` condition). */
const sdkAliases = Object.entries(sdkPackage.exports).flatMap(([subpath, target]) => {
  const source = typeof target === 'object' ? target['sluice-source'] : undefined;
  if (!source) return [];
  const specifier = `${sdkPackage.name}${subpath.slice(1)}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return [{ find: new RegExp(`^${specifier}$`), replacement: fileURLToPath(new URL(source, sdkDir)) }];
});

export default defineConfig({
  // Everything imports the SDK by its package name, as vendors' plugins do; tests run its sources
  // (one module instance for kernel, plugins and tests), so they need no SDK build.
  resolve: {
    alias: sdkAliases,
  },
  test: {
    include: ['test/**/*.test.ts', 'plugins/*/test/**/*.test.ts', 'plugin-sdk/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'dist/**', 'test/bench/**'],
    pool: 'forks',
    // isolated-vm needs Node's startup snapshot off.
    execArgv: ['--no-node-snapshot'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
