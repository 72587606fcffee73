// Resolves @sluice/plugin-sdk to the Sluice installation that scaffolded this plugin, as the
// "paths" of tsconfig.json do. `sluice plugin build` does the same when it bundles src/.
import { fileURLToPath } from 'node:url';

const sdk = (file) => fileURLToPath(new URL(`__SDK_DIR__/${file}`, import.meta.url));

export default {
  resolve: {
    alias: [
      { find: /^@sluice\/plugin-sdk\/testing$/, replacement: sdk('testing__SDK_EXT__') },
      { find: /^@sluice\/plugin-sdk$/, replacement: sdk('index__SDK_EXT__') },
    ],
  },
  test: { include: ['test/**/*.test.ts'] },
};
