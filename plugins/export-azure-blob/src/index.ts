/**
 * LiteLLM's `azure_storage` callback: each call's StandardLoggingPayload, successes and failures,
 * written to Azure Blob Storage / Data Lake Gen2 as `<YYYY-MM-DD>/<call id>.json` (one JSON
 * document a blob). Content is what the client sent and got (`standardLoggingPayload` with the
 * `ResponseRecorder`'s response, redacted by `turn_off_message_logging` and per-request masks);
 * routing (global lists, team/key logging, opt-outs, `x-litellm-disable-callbacks`) is the SDK's
 * `loggingTargets`; delivery is the SDK's `LogDelivery`, off the request path.
 */
import { definePlugin, loggingTargets, ResponseRecorder, standardLoggingPayload, globalCallbackScope, type LoggingTarget, type SpendEvent, type StandardLoggingOptions } from '@sluice/plugin-sdk';
import { BlobDestination } from './blob-destination.js';
import type { AzureStorageSettings } from './azure-credential.js';
import type { ExportAzureBlobConfig } from './config.generated.js';
import { destinationKey, hasAzureVars, LruMap, resolveTeamSettings } from './team-destinations.js';
import manifest from '../plugin.json' with { type: 'json' };

export { blobName } from './blob-naming.js';
export { blobEndpoint, credentialFor } from './azure-credential.js';

const NAMES = manifest.litellm.callbacks;
const INTEGRATION = 'azure_storage';

const num = (v: number | string | undefined, fallback: number): number => {
  const n = typeof v === 'string' ? Number(v) : v;
  return n !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
};

function globalSettings(config: ExportAzureBlobConfig): AzureStorageSettings {
  return {
    accountName: config.account_name,
    fileSystem: config.file_system,
    accountKey: config.account_key,
    tenantId: config.tenant_id,
    clientId: config.client_id,
    clientSecret: config.client_secret,
    endpointSuffix: config.endpoint_suffix,
    accountUrl: config.account_url,
    authorityHost: config.authority_host,
    disableInstanceDiscovery: config.disable_instance_discovery,
  };
}

export default definePlugin<ExportAzureBlobConfig>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  setup(ctx, config) {
    const recorder = new ResponseRecorder();
    const common = {
      dataDir: ctx.dataDir,
      log: ctx.log,
      metrics: ctx.metrics,
      scrub: (t: string) => ctx.secrets.scrub(t),
      batchSize: Math.floor(num(config.batch_size, 512)),
      flushIntervalMs: num(config.flush_interval, 5) * 1000,
      maxQueued: config.max_queued ?? 5000,
      timeoutMs: (config.timeout_seconds ?? 30) * 1000,
      concurrency: config.upload_concurrency ?? 8,
      createContainer: config.create_container !== false,
    };
    const named = globalCallbackScope(NAMES, ctx.settings);
    let global: BlobDestination | undefined;
    try {
      global = new BlobDestination({ ...common, name: INTEGRATION, settings: globalSettings(config) });
      ctx.log.info({ endpoint: global.endpoint, container: config.file_system, credential: global.credentialKind }, 'azure_storage: logging payloads to Azure Blob Storage');
    } catch (err) {
      // Named in the gateway's callback lists: the operator asked for the export; LiteLLM refuses to start too.
      if (named.success || named.failure) throw err;
      ctx.log.warn({ err: (err as Error).message }, 'azure_storage: no gateway-wide destination; only teams with their own in default_team_settings are logged');
    }

    // The promise is what is kept, so calls arriving while a destination is being resolved share it
    // (two LogDeliveries on one spill file would replay each other's items).
    const teams = new LruMap<Promise<BlobDestination | undefined>>(config.max_team_destinations ?? 32);
    const closing = new Set<Promise<void>>();

    async function openTeamDestination(target: LoggingTarget, key: string): Promise<BlobDestination | undefined> {
      try {
        const settings = await resolveTeamSettings(target, (name) => ctx.secrets.get(name));
        for (const secret of [settings.accountKey, settings.clientSecret]) if (secret) ctx.secrets.redact(secret);
        return new BlobDestination({ ...common, name: `${INTEGRATION}.${key}`, settings });
      } catch (err) {
        ctx.log.warn({ err: ctx.secrets.scrub((err as Error).message), source: target.source }, `azure_storage: the ${target.source}'s azure_storage settings do not make a destination; its calls are not logged`);
        return undefined;
      }
    }

    function teamDestination(target: LoggingTarget): Promise<BlobDestination | undefined> {
      const key = destinationKey(target);
      let dest = teams.get(key);
      if (dest === undefined) {
        dest = openTeamDestination(target, key);
        const evicted = teams.set(key, dest);
        if (evicted) {
          const done = evicted.then((d) => d?.close()).catch(() => undefined).finally(() => closing.delete(done));
          closing.add(done);
        }
      }
      return dest;
    }

    let warnedNoGlobal = false;
    async function deliver(event: SpendEvent, response: StandardLoggingOptions['response']): Promise<void> {
      const targets = loggingTargets(event, { names: NAMES, settings: ctx.settings, enabledExplicitly: true });
      if (targets.length === 0) return;
      const ls = ctx.settings.litellm_settings;
      const payload = standardLoggingPayload(event, {
        response,
        turnOffMessageLogging: ls.turn_off_message_logging === true,
        redactUserApiKeyInfo: ls.redact_user_api_key_info === true,
        scrub: (t) => ctx.secrets.scrub(t),
      });
      for (const target of targets) {
        // Vars without any azure_storage_* name are another integration's (one logging list holds
        // every entry's vars): the party asked for the gateway's destination of azure_storage.
        const own = target.vars !== undefined && hasAzureVars(target.vars);
        const dest = own ? await teamDestination(target) : global;
        if (dest) dest.push(payload);
        else if (!own && !warnedNoGlobal) {
          warnedNoGlobal = true;
          ctx.log.warn('azure_storage: calls for the gateway-wide destination are not logged: it is not configured (AZURE_STORAGE_ACCOUNT_NAME, AZURE_STORAGE_FILE_SYSTEM)');
        }
      }
    }

    return {
      async preCall(call) {
        recorder.note(call);
      },
      async onSpend(event) {
        await deliver(event, recorder.take(event.requestId));
      },
      async close() {
        await Promise.all([global?.close(), ...[...teams.values()].map((d) => d.then((dest) => dest?.close())), ...closing]);
        teams.clear();
      },
    };
  },
});
