import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const sdk = (file: string) => fileURLToPath(new URL(`./plugin-sdk/${file}`, import.meta.url));

export default defineConfig({
  // The SDK examples import the SDK by its published name, as vendors' plugins do.
  resolve: {
    alias: [
      { find: /^@sluice\/plugin-sdk\/testing$/, replacement: sdk('testing.ts') },
      { find: /^@sluice\/plugin-sdk$/, replacement: sdk('index.ts') },
    ],
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
