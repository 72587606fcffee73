/**
 * Assembles a gateway from a config: storage and counters, plugins (secret managers first, so
 * `os.environ/` references can come from them), deployments, hook taps and the HTTP server.
 * The kernel knows no feature: everything a request meets is a plugin's tap.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Counters, PluginContext, SecretResolver, PluginDefinition, JsonObject, ModelAccess } from '@sluice/plugin-sdk';
import type { SluiceConfig } from '../schemas/generated/config.js';
import { SECRET_KEY, envLookup, resolveEnvRefs, resolveStringRef, type RefLookup } from './config/env-refs.js';
import { decryptedEnvironment, lookupSecret, removeSecret, writeSecret } from './config/secret-managers.js';
import { SecretRefresh, secretRefreshInterval } from './config/secret-refresh.js';
import { settingsWarnings, translateLiteLLMConfig } from './config/litellm/translate-litellm-config.js';
import { secretValues } from './config/secret-fields.js';
import { readConfigFile, type ConfigSource } from './config/read-config-file.js';
import { openCounters } from './counters/open-counters.js';
import { createHooks, type KernelHooks } from './hooks.js';
import { UndiciHttpClient } from './http/http-client.js';
import { createLogger, SecretValues, type Logger } from './logging/create-logger.js';
import { KernelMetrics } from './metrics.js';
import { buildConfigDeployments, deploymentDefaults, toDeployment } from './models/deployments.js';
import { providerInference } from './models/provider-inference.js';
import { combineModelAccess } from './models/combined-model-access.js';
import { ModelRegistry, type RegisteredDeployment } from './models/model-registry.js';
import { createDefaultRouter } from './models/default-router.js';
import { completeWith } from './models/model-client.js';
import { runtimeDeployments } from './models/runtime-deployments.js';
import { ObserverQueue } from './observers.js';
import { gatewayOnlyFields } from './proxy/gateway-only-fields.js';
import { DEFAULT_CONFIG, PROJECT_ROOT } from './paths.js';
import { applyTaps, describeOrder, type PendingTap } from './plugins/hook-taps.js';
import { activateTaps } from './plugins/tap-activation.js';
import { checkPluginConfig, pluginScope } from './plugins/check-plugin-config.js';
import { emptyContributions, importPlugin, setupPlugin, validatedPluginConfig, type LoadedPlugin } from './plugins/load-plugins.js';
import { scanPlugins, readPluginFolder, type PluginCatalog } from './plugins/plugin-catalog.js';
import { readPackages, resolvePlugins, type PluginSelection } from './plugins/resolve-plugins.js';
import { buildServer } from './server/build-server.js';
import { InternalCalls, registerInternalCalls } from './server/internal-calls.js';
import { EnvironmentAdapters, type RouteModelDeps } from './server/route-model-call.js';
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './server/http-server.js';
import { DEFAULT_JSON_LIMITS, type JsonLimits } from './server/json-body.js';
import { batchWriteRunner } from './storage/batch-write.js';
import { KERNEL_MIGRATIONS } from './storage/kernel-migrations.js';
import { createKvStore } from './storage/kv-store.js';
import { SQLITE_PRAGMAS, openStorage } from './storage/open-storage.js';
import type { MigrationSet, Storage } from './storage/storage.js';

export const SLUICE_VERSION: string = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export interface GatewayOptions {
  /** Path of the YAML config; `config/default.yaml` when neither this nor `config` is given. */
  configPath?: string;
  /** An already parsed config (tests). */
  config?: SluiceConfig;
  env?: NodeJS.ProcessEnv;
  /** Where logs go (tests); stdout otherwise. */
  logDestination?: NodeJS.WritableStream;
  logLevel?: string;
  /** Extra plugin folders to install (tests, side-by-side versions). */
  extraPluginDirs?: string[];
  /** Run migrations at startup (default true). */
  migrate?: boolean;
}

export interface Gateway {
  readonly app: FastifyInstance;
  readonly hooks: KernelHooks;
  readonly log: Logger;
  readonly storage: Storage;
  readonly counters: Counters;
  readonly registry: ModelRegistry;
  readonly plugins: LoadedPlugin[];
  readonly metrics: KernelMetrics;
  readonly observers: ObserverQueue;
  /** One line per tap, in the order it runs. */
  readonly hookOrder: string[];
  /** What `sluice import` runs (import-command.ts). */
  readonly importers: ReturnType<typeof emptyContributions>['importers'];
  /** Everything the config asked for that Sluice does not act on. */
  readonly warnings: string[];
  readonly configFile: string;
  readonly dataDir: string;
  /** Listens on `port` (default: config `server.port`, else 4000); returns the address. */
  listen(port?: number, host?: string): Promise<string>;
  /** Graceful: stop accepting, drain in-flight calls and streams, flush observers, close backends. */
  close(): Promise<void>;
}

export async function createGateway(opts: GatewayOptions = {}): Promise<Gateway> {
  const env = opts.env ?? process.env;
  const source: ConfigSource = opts.config ? { file: '<inline>', config: structuredClone(opts.config) } : readConfigFile(opts.configPath ?? DEFAULT_CONFIG);
  const catalog = scanPlugins();
  for (const dir of opts.extraPluginDirs ?? []) catalog.add(readPluginFolder(resolve(dir)));
  // From here on the kernel reads the native form only.
  const translation = await translateLiteLLMConfig(source, catalog.latest(), env);
  const { file } = source;
  const { config } = translation;

  const secrets = new SecretValues();
  const log = createLogger({ level: opts.logLevel ?? config.logging?.level, pretty: opts.logDestination ? false : config.logging?.pretty, destination: opts.logDestination, redact: config.logging?.redact }, secrets);

  const resolution = resolvePlugins(config, catalog, file, await readPackages(config, file), translation.implied, env);

  const byEnv = envLookup(env);
  const dataDir = dataDirOf(config, env);
  // The database and counters open after the secret managers are set up: their URLs (and a KMS-
  // encrypted DATABASE_URL) may be secrets those managers hold.
  let storage: Storage | undefined;
  let counters: Counters | undefined;
  let batchWrites: ReturnType<typeof batchWriteRunner> | undefined;
  const backendWarnings: string[] = [];
  const http = new UndiciHttpClient();
  // Closed on a failed start too: a plugin set up before the failure may hold timers and connections.
  const plugins: LoadedPlugin[] = [];
  let secretRefresh: SecretRefresh | undefined;
  try {
    const metrics = new KernelMetrics();
    const defs = await importPlugins(resolution.selected, (pluginId, reason) => {
      metrics.inc('sandbox_restarts_total', { plugin: pluginId });
      log.error({ plugin: pluginId, reason }, 'sandboxed plugin contained: isolate disposed and recreated');
    });

    const hooks = createHooks();
    const internalCalls = new InternalCalls();
    registerInternalCalls(hooks, internalCalls);
    const observers = new ObserverQueue(hooks, log, metrics);
    const contributions = emptyContributions();
    const resolvers: SecretResolver[] = contributions.secretResolvers;
    const lookup: RefLookup = (name) => lookupSecret(resolvers, env, secrets, name);
    const settings = Object.freeze({
      general_settings: Object.freeze({ ...(config.general_settings ?? {}) }),
      litellm_settings: Object.freeze({ ...(config.litellm_settings ?? {}) }),
      router_settings: Object.freeze({ ...(config.router_settings ?? {}) }),
    });
    // One registry for the gateway's life: config deployments go in below, runtime ones as plugins supply them.
    const registry = new ModelRegistry([]);
    // Combined once every plugin is set up (a management route asks it through ctx.models.mayCall).
    let modelAccess: ModelAccess | null | undefined;
    const dirOf = new Map(resolution.selected.map((s) => [s.entry.manifest.id, s.entry.dir]));
    // A secret manager reads its own credentials from the environment only: asking the secret
    // managers (itself included) would recurse.
    const resolverIds = new Set(resolution.selected.filter((s) => s.entry.manifest.provides?.secretResolver).map((s) => s.entry.manifest.id));
    // Secret managers are set up before the backends open: for them these throw until then.
    const opened = (): { storage: Storage; counters: Counters; batchWrites: NonNullable<typeof batchWrites> } => {
      if (!storage || !counters || !batchWrites) throw new Error('the database, key/value store and counters are not open yet: a secret manager cannot use them during its setup');
      return { storage, counters, batchWrites };
    };
    const ctxFor = (id: string, version: string): PluginContext => {
      let database: PluginContext['database'] | undefined;
      let kv: PluginContext['kv'] | undefined;
      return {
      pluginId: id,
      version,
      log: log.child({ plugin: id }),
      http,
      get counters() {
        return opened().counters;
      },
      get database() {
        const o = opened();
        return (database ??= { knex: o.storage.knex, dialect: o.storage.dialect, batch: o.batchWrites.run });
      },
      metrics: metrics.registry.forOwner(id),
      get kv() {
        return (kv ??= createKvStore(opened().storage, id));
      },
      secrets: {
        get: async (name) => {
          // A secret manager that cannot be read (and never could for this name) leaves the
          // environment's value, as LiteLLM's get_secret falls back to os.environ: a provider
          // plugin's optional credential (OPENAI_API_KEY at setup) must not stop the gateway.
          const value = resolverIds.has(id)
            ? await byEnv(name)
            : await lookup(name).catch((err: unknown) => {
                log.warn({ plugin: id, secret: name, reason: err instanceof Error ? secrets.scrub(err.message) : 'unknown' }, `os.environ/${name} could not be read from the secret managers; using the environment's value`);
                return byEnv(name);
              });
          if (SECRET_KEY.test(name)) secrets.add(value);
          return value;
        },
        redact: (value) => secrets.add(value),
        scrub: (text) => secrets.scrub(text),
        write: (name, value, meta) => {
          secrets.add(value);
          return writeSecret(resolvers, name, value, meta);
        },
        remove: (name, meta) => removeSecret(resolvers, name, meta),
      },
      models: {
        list: () => registry.list(),
        has: (name) => registry.has(name),
        estimateCost: (name, promptTokens, completionTokens) => contributions.pricing?.pricing.estimateCost?.(registry.pricingGroup(name), promptTokens, completionTokens) ?? 0,
        complete: (name, body, options) => completeWith(registry, name, body as JsonObject, options),
        deployments: () => registry.views(),
        onChange: (listener) => registry.onChange(listener),
        mayCall: (principal, name) => {
          modelAccess ??= combineModelAccess(contributions.modelAccess) ?? null;
          if (!modelAccess) return true;
          try {
            modelAccess.checkCall(principal, name);
            return true;
          } catch {
            return false;
          }
        },
      },
      settings,
      pluginDir: dirOf.get(id)!,
      dataDir: ensureDir(join(dataDir, 'plugins', id)),
      audit: (event) => observers.audit({ ...event, id: randomUUID(), at: Date.now() }),
      management: internalCalls.clientFor(id),
      get identities() {
        return contributions.identities?.directory;
      },
      now: Date.now,
      };
    };

    // Secret managers first, configured from the environment alone: the rest of the config may
    // reference secrets they hold.
    const isResolver = (sel: PluginSelection) => sel.entry.manifest.provides?.secretResolver === true;
    const scope = pluginScope(resolution.selected, catalog.latest());
    const checkWarnings: string[] = [];
    // The environment plugins read their `litellm.env` settings from: decrypted by a KMS manager once those are set up.
    let readEnv: NodeJS.ProcessEnv = env;
    const setup = async (sel: PluginSelection, cfg: SluiceConfig) => {
      const pluginConfig = validatedPluginConfig(sel, cfg, file, readEnv);
      const def = defs.get(sel.entry.manifest.id)!;
      checkWarnings.push(...checkPluginConfig(def, pluginConfig, scope, file));
      // Registered before setup runs, so not even the plugin's own first log line can leak them.
      for (const v of secretValues(sel.entry.configSchema, pluginConfig)) secrets.add(v);
      plugins.push(await setupPlugin(sel, def, pluginConfig, ctxFor, contributions));
    };
    const resolverPlugins = resolution.selected.filter(isResolver);
    if (resolverPlugins.length > 0) {
      const bootConfig = await resolveConfig(config, byEnv, secrets, undefined);
      for (const sel of resolverPlugins) await setup(sel, bootConfig);
    }

    // A KMS manager decrypts the variables read directly (DATABASE_URL, a plugin's litellm.env names).
    const envNames = ['DATABASE_URL', 'REDIS_URL', ...resolution.selected.flatMap((sel) => Object.values(sel.entry.manifest.litellm?.env ?? {}).flat())];
    readEnv = await decryptedEnvironment(env, envNames, resolvers, secrets);
    const { databaseUrl, redisUrl } = await backendLocations(config, readEnv, resolverPlugins.length > 0 ? lookup : undefined);
    if (databaseUrl?.startsWith('postgres')) secrets.add(decodeURIComponent(new URL(databaseUrl).password));
    // knex reports pool trouble (a database gone away) on the console unless given a logger.
    storage = openStorage({
      databaseUrl,
      dataDir,
      log: {
        warn: (message: unknown) => log.warn({ component: 'database' }, String(message)),
        error: (message: unknown) => log.error({ component: 'database' }, String(message)),
        debug: () => {},
        deprecate: (method: string, alternative: string) => log.debug({ component: 'database' }, `${method} is deprecated; use ${alternative}`),
      },
    });
    // Plugins' batched writes: a SQLite file is written from a worker thread (batch-write.ts).
    batchWrites = batchWriteRunner(storage.knex, storage.dialect, storage.dialect === 'sqlite' ? { sqliteFile: storage.location, sqlitePragmas: SQLITE_PRAGMAS } : {});
    counters = await openCounters({ redisUrl, log, onWarning: (w) => backendWarnings.push(w) });
    if (opts.migrate !== false) await storage.migrate(migrationSets(resolution.selected, defs));
    const resolved = await resolveConfig(config, lookup, secrets, log);
    for (const sel of resolution.selected.filter((sel) => !isResolver(sel))) await setup(sel, resolved);

    const warnings = [...translation.warnings, ...resolution.warnings, ...backendWarnings, ...checkWarnings];
    const deployments = buildDeployments(resolved, config.model_list, contributions.providers, warnings, secrets, catalog);
    registry.apply(deployments, []);
    const refreshMs = secretRefreshInterval(resolvers);
    secretRefresh =
      refreshMs === undefined || !config.model_list?.length
        ? undefined
        : new SecretRefresh(
            {
              intervalMs: refreshMs,
              config,
              resolved: resolved.model_list,
              lookup,
              build: (next) => buildDeployments(next, config.model_list, contributions.providers, [], secrets, catalog),
              registry,
              log,
            },
            deployments.map((d) => d.config.id),
          );
    for (const p of plugins) {
      const source = p.instance.deploymentSource;
      if (!source) continue;
      await source.start(
        runtimeDeployments(p.id, { registry, defaults: deploymentDefaults(resolved), inference: providerInference(catalog.latest()), providers: contributions.providers, secrets, lookup }),
      );
    }
    warnings.push(...settingsWarnings(config, catalog.latest(), resolution.selected));
    activateTaps(contributions, { ...scope, enabled: scope.enabled.map((p) => ({ ...p, log: log.child({ plugin: p.id }) })) }, file);
    const ordered: PendingTap[] = applyTaps(hooks, contributions.taps, log, metrics);

    let shuttingDown = false;
    const router = contributions.router?.router ?? createDefaultRouter();
    const pricing = contributions.pricing?.pricing;
    const callerAccess = combineModelAccess(contributions.modelAccess);
    const defaults = deploymentDefaults(resolved);
    const modelRoutes: Omit<RouteModelDeps, 'log'> = {
      router,
      registry,
      pricing,
      modelAccess: callerAccess,
      providers: contributions.providers,
      // A provider's pass-through without a model_list deployment uses its environment credentials.
      environmentDeployment: (provider) => toDeployment({ model_name: provider, litellm_params: { model: `${provider}/*` } }, -1, defaults, { provider, model: '*' }),
      scrub: (text) => secrets.scrub(text),
    };
    const environment = new EnvironmentAdapters({ ...modelRoutes, log });
    const app = buildServer({
      hooks,
      log,
      bodyLimitBytes: Math.round((resolved.server?.body_limit_mb ?? 50) * 1024 * 1024),
      json: jsonLimits(resolved.server),
      connections: connectionLimits(resolved.server),
      pipeline: {
        hooks,
        registry,
        observers,
        log,
        logRequests: resolved.logging?.requests ?? false,
        buffersStreams: contributions.buffersStreams,
        scrub: (text) => secrets.scrub(text),
        router,
        pricing,
        modelAccess: callerAccess,
        gatewayOnlyFields: gatewayOnlyFields(resolution.selected.map((sel) => sel.entry)),
      },
      health: { storage, counters, version: SLUICE_VERSION, isShuttingDown: () => shuttingDown },
      pluginRoutes: contributions.routes,
      routeModels: { ...modelRoutes, log, environment },
      isShuttingDown: () => shuttingDown,
      keyHeader: resolved.server?.api_key_header?.toLowerCase(),
      trustedProxies: resolved.server?.trusted_proxies,
    });
    internalCalls.attach(app);
    for (const w of warnings) log.warn(w);

    let closing: Promise<void> | undefined;
    const shutdownTimeoutMs = resolved.server?.shutdown_timeout_ms ?? 30_000;
    return {
      app, hooks, log, storage, counters, registry, plugins, metrics, observers, warnings,
      hookOrder: describeOrder(ordered),
      importers: contributions.importers,
      configFile: file,
      dataDir,
      async listen(port = resolved.server?.port ?? 4000, host = resolved.server?.host ?? '0.0.0.0') {
        return app.listen({ port, host });
      },
      close() {
        closing ??= (async () => {
          shuttingDown = true;
          const timer = setTimeout(() => {
            log.warn({ timeoutMs: shutdownTimeoutMs }, 'shutdown timeout: closing remaining connections');
            app.server.closeAllConnections?.();
          }, shutdownTimeoutMs);
          timer.unref();
          // Stops accepting, then waits for in-flight requests and open streams to finish. A call
          // that finishes during the drain leaves an idle keep-alive socket: keep closing those.
          const sweep = setInterval(() => app.server.closeIdleConnections?.(), 100);
          sweep.unref();
          await app.close();
          clearInterval(sweep);
          await secretRefresh?.stop();
          clearTimeout(timer);
          await observers.drain();
          for (const p of [...plugins].reverse()) {
            try {
              await p.instance.close?.();
            } catch (err) {
              log.error({ err, plugin: p.id }, 'plugin close failed');
            }
          }
          await Promise.allSettled([...registry.all(), ...registry.retiredDeployments()].map((d) => d.adapter.close?.()));
          await environment.close();
          await batchWrites!.close(); // after the plugins: their close flushes through it
          await Promise.allSettled([http.close(), counters!.close(), storage!.close()]);
          log.flush();
        })();
        return closing;
      },
    };
  } catch (err) {
    await secretRefresh?.stop();
    for (const p of [...plugins].reverse()) await Promise.resolve(p.instance.close?.()).catch(() => undefined);
    await Promise.allSettled([batchWrites?.close(), http.close(), counters?.close(), storage?.close()]);
    throw err;
  }
}

/** Where state lives: DATABASE_URL / REDIS_URL win over the (native) config's `storage:`. */
export async function backendLocations(
  config: SluiceConfig,
  env: NodeJS.ProcessEnv,
  managers?: RefLookup,
): Promise<{ dataDir: string; databaseUrl: string | undefined; redisUrl: string | undefined }> {
  const dataDir = dataDirOf(config, env);
  // With secret managers, the config's `os.environ/` references are read through them; `env` is the
  // environment as decrypted by a KMS manager (decryptedEnvironment).
  const lookup = managers ?? envLookup(env);
  const databaseUrl = env.DATABASE_URL || (await resolveStringRef(config.storage?.database_url, lookup));
  const redisUrl = env.REDIS_URL || (await resolveStringRef(config.storage?.redis_url, lookup));
  return { dataDir, databaseUrl: databaseUrl || undefined, redisUrl: redisUrl || undefined };
}

function dataDirOf(config: SluiceConfig, env: NodeJS.ProcessEnv): string {
  return resolve(config.storage?.data_dir ?? env.SLUICE_DATA_DIR ?? './data');
}

export async function importPlugins(
  selected: PluginSelection[],
  onSandboxRestart?: (pluginId: string, reason: string) => void,
): Promise<Map<string, PluginDefinition<Record<string, unknown>>>> {
  const defs = new Map<string, PluginDefinition<Record<string, unknown>>>();
  for (const s of selected) defs.set(s.entry.manifest.id, await importPlugin(s, onSandboxRestart));
  return defs;
}

async function resolveConfig(config: SluiceConfig, lookup: RefLookup, secrets: SecretValues, log: Logger | undefined): Promise<SluiceConfig> {
  const { value, missing, secrets: found, unreadable } = await resolveEnvRefs(config, lookup);
  for (const s of found) secrets.add(s);
  for (const failure of new Set(unreadable)) log?.warn(`os.environ/${failure.split(':')[0]} could not be read (${failure.slice(failure.indexOf(':') + 2)}); what references it is left unset`);
  for (const name of new Set(missing)) log?.warn(`os.environ/${name} is referenced in the config but is not set`);
  return value;
}

export function migrationSets(selected: PluginSelection[], defs: Map<string, PluginDefinition<Record<string, unknown>>>): MigrationSet[] {
  const sets: MigrationSet[] = [KERNEL_MIGRATIONS];
  for (const s of [...selected].sort((a, b) => a.entry.manifest.id.localeCompare(b.entry.manifest.id))) {
    const migrations = defs.get(s.entry.manifest.id)?.migrations;
    if (migrations?.length) sets.push({ owner: s.entry.manifest.id, migrations });
  }
  return sets;
}

/** `model_list` → deployments; one that cannot be built joins its group as one that fails (models/deployments.ts). */
function buildDeployments(
  config: SluiceConfig,
  raw: SluiceConfig['model_list'],
  providers: ReturnType<typeof emptyContributions>['providers'],
  warnings: string[],
  secrets: SecretValues,
  catalog: PluginCatalog,
): RegisteredDeployment[] {
  const { deployments, warnings: found } = buildConfigDeployments(config, raw, {
    defaults: deploymentDefaults(config),
    inference: providerInference(catalog.latest()),
    providers,
    disabledPluginFor: (provider) => catalog.latest().find((e) => e.manifest.provides?.providers?.includes(provider))?.manifest.id,
    redact: (value) => secrets.add(value),
  });
  warnings.push(...found);
  return deployments;
}

function jsonLimits(server: SluiceConfig['server']): JsonLimits {
  return {
    maxDepth: server?.json_max_depth ?? DEFAULT_JSON_LIMITS.maxDepth,
    maxStringLength: server?.json_max_string_length ?? DEFAULT_JSON_LIMITS.maxStringLength,
  };
}

function connectionLimits(server: SluiceConfig['server']): ConnectionLimits {
  const d = DEFAULT_CONNECTION_LIMITS;
  return {
    headersTimeoutMs: server?.headers_timeout_ms ?? d.headersTimeoutMs,
    requestTimeoutMs: server?.request_timeout_ms ?? d.requestTimeoutMs,
    keepAliveTimeoutMs: server?.keep_alive_timeout_ms ?? d.keepAliveTimeoutMs,
    maxConnectionsPerIp: server?.max_connections_per_ip ?? d.maxConnectionsPerIp,
  };
}

function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
