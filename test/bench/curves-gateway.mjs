// A gateway started as `sluice start` starts it, plus plugin folders named on the command line, for
// curve (e) of curves.mjs: `sluice start` has no option for extra plugin folders (createGateway's
// `extraPluginDirs` serves tests), and the no-op plugins must load trusted, in-process, as the
// bundled ones do; a packaged plugin would run sandboxed.
// Usage: node <NODE_FLAGS> test/bench/curves-gateway.mjs <config.yaml> <port> [pluginDir ...]
import { createGateway } from '../../dist/kernel/gateway.js';

const [configPath, port, ...extraPluginDirs] = process.argv.slice(2);
const gateway = await createGateway({ configPath, extraPluginDirs });
await gateway.listen(Number(port), '127.0.0.1');
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => gateway.close().finally(() => process.exit(0)));
