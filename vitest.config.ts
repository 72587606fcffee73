import { defineConfig } from 'vitest/config';

export default defineConfig({
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
