/**
 * The `sluice` command: `start`, `config check`, `migrate`. `npm start -- --config F --port N`
 * reaches the same code through bin/sluice.js.
 */
import { DEFAULT_CONFIG } from '../paths.js';
import { ConfigError } from '../config/config-error.js';
import { readConfigFile } from '../config/read-config-file.js';
import { translateLiteLLMConfig } from '../config/litellm/translate-litellm-config.js';
import { backendLocations, createGateway, importPlugins, migrationSets, SLUICE_VERSION, type Gateway } from '../gateway.js';
import { scanPlugins } from '../plugins/plugin-catalog.js';
import { readPackages, resolvePlugins } from '../plugins/resolve-plugins.js';
import { openStorage } from '../storage/open-storage.js';
import { checkConfig } from './config-check.js';
import { parseArgs, stringOption, type ParsedArgs } from './parse-args.js';

const USAGE = `Usage: sluice <command> [options]

Commands:
  start [--config FILE] [--port N] [--host H]   run the gateway (default config: config/default.yaml,
                                                default port: $PORT or 4000)
  config check FILE                             validate a config and print the resolved plugin order
  migrate [--config FILE]                       apply pending database migrations
  import litellm --from postgres://… [--config FILE] [--salt-key KEY] [--dry-run] [--since DATE]
         [--follow [--interval S]]              import a LiteLLM proxy database (read-only on it);
                                                see \`sluice import --help\`
  plugin init DIR [--id ID] [--kind guardrail|logger|secret-manager]
                                                scaffold a sandboxed plugin
  plugin build DIR                              bundle DIR/src/index.ts into DIR/dist/
  plugin pack DIR [--out DIR]                   build, verify and write <id>-<version>.tgz; prints its sha256
  plugin verify PATH                            check a plugin package (.tgz or folder)

Options:
  --detailed_debug    debug-level logs (LiteLLM's flag)
  --version, --help
`;

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.options.has('version')) {
    process.stdout.write(`sluice ${SLUICE_VERSION}\n`);
    return 0;
  }
  const [command = 'start', sub] = args.positionals;
  if (command === 'import' && args.options.has('help')) {
    process.stdout.write((await import('./import-command.js')).IMPORT_USAGE);
    return 0;
  }
  if (args.options.has('help') || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    if (command === 'start') return await start(args);
    if (command === 'config' && sub === 'check') return await configCheck(args);
    if (command === 'migrate') return await migrate(args);
    if (command === 'import') return await (await import('./import-command.js')).importCommand(args);
    // Loaded on demand: the authoring tools (esbuild, tar) are not part of running the gateway.
    if (command === 'plugin') return await (await import('./plugin-command.js')).pluginCommand(args);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Config error: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`sluice: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
  process.stderr.write(`Unknown command: ${args.positionals.join(' ')}\n\n${USAGE}`);
  return 2;
}

function portOf(args: ParsedArgs): number | undefined {
  const raw = stringOption(args, 'port') ?? process.env.PORT;
  if (raw === undefined) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('--port', '', `${JSON.stringify(raw)} is not a port number`);
  return port;
}

async function start(args: ParsedArgs): Promise<number> {
  const port = portOf(args);
  const debug = args.options.has('detailed_debug') || args.options.has('debug');
  const gateway = await createGateway({ configPath: stringOption(args, 'config') ?? DEFAULT_CONFIG, logLevel: debug ? 'debug' : undefined });
  const address = await gateway.listen(port, stringOption(args, 'host'));
  gateway.log.info({ address, config: gateway.configFile, plugins: gateway.plugins.map((p) => `${p.id}@${p.version}`) }, `Sluice ${SLUICE_VERSION} listening on ${address}`);
  installSignalHandlers(gateway);
  return await new Promise<number>(() => undefined); // runs until a signal closes it
}

/**
 * A signal sent to the process group (Ctrl-C in a terminal, systemd's default KillMode,
 * `kill -TERM -<pgid>`) reaches the gateway once from the group and again from each parent that
 * forwards it (npm, bin/sluice.js): repeats within this window are that one request to stop.
 */
export const DUPLICATE_SIGNAL_WINDOW_MS = 2_000;

function installSignalHandlers(gateway: Gateway): void {
  let firstAt: number | undefined;
  const stop = (signal: string) => {
    if (firstAt !== undefined) {
      if (Date.now() - firstAt < DUPLICATE_SIGNAL_WINDOW_MS) {
        gateway.log.debug(`${signal} again within ${DUPLICATE_SIGNAL_WINDOW_MS} ms (forwarded by a parent): still draining`);
        return;
      }
      // Queued spend rows reach the spill file on the way out (the batch writers' exit hook).
      gateway.log.warn(`second ${signal}: exiting without waiting for calls in flight; queued spend rows go to the spill file`);
      gateway.log.flush();
      process.exit(1);
    }
    firstAt = Date.now();
    gateway.log.info(`${signal} received: draining in-flight requests`);
    gateway.close().then(
      () => process.exit(0),
      (err: unknown) => {
        gateway.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function configCheck(args: ParsedArgs): Promise<number> {
  const file = args.positionals[2] ?? stringOption(args, 'config');
  if (!file) {
    process.stderr.write('Usage: sluice config check FILE\n');
    return 2;
  }
  const report = await checkConfig(file);
  const out = [
    `Config OK: ${report.file}`,
    '',
    'Plugins:',
    ...report.plugins.map((p) => `  ${p}`),
    '',
    'Hook order (hook, stage, plugin, failure policy):',
    ...(report.hookOrder.length ? report.hookOrder.map((l) => `  ${l}`) : ['  (no hooks tapped)']),
    '',
    'Models:',
    ...report.models.map((m) => `  ${m}`),
  ];
  if (report.warnings.length) out.push('', 'Warnings:', ...report.warnings.map((w) => `  - ${w}`));
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

async function migrate(args: ParsedArgs): Promise<number> {
  const source = readConfigFile(stringOption(args, 'config') ?? DEFAULT_CONFIG);
  const { file } = source;
  const catalog = scanPlugins();
  const { config, implied } = await translateLiteLLMConfig(source, catalog.latest(), process.env);
  const { selected } = resolvePlugins(config, catalog, file, await readPackages(config, file), implied);
  const { dataDir, databaseUrl } = await backendLocations(config, process.env);
  const storage = openStorage({ databaseUrl, dataDir });
  try {
    const applied = await storage.migrate(migrationSets(selected, await importPlugins(selected)));
    process.stdout.write(`${storage.location}: ${applied.length ? `applied ${applied.join(', ')}` : 'already up to date'}\n`);
    return 0;
  } finally {
    await storage.close();
  }
}
