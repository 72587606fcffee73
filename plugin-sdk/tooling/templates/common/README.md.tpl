# __ID__

__DESCRIPTION__

__KIND_SECTION__

## Develop

```sh
npm install                      # vitest and typescript, for the tests
npm test                         # runs test/ with createTestKernel (no gateway, no network)
sluice plugin build .            # bundles src/index.ts into dist/ (a directory package)
sluice plugin pack .             # writes __ID__-<version>.tgz and prints its sha256
sluice plugin verify __ID__-__VERSION__.tgz
```

The plugin runs in the gateway's sandbox: it imports only `@sluice/plugin-sdk` (and npm packages
that need no Node built-ins), and reaches the outside world only through the capabilities on `ctx`
that the operator grants. `src/index.ts` reads its id, version and apiVersion from `plugin.json`,
so the manifest is the one place to bump the version; `sluice plugin verify` checks that the
bundle and the manifest agree.
