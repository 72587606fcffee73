/**
 * LiteLLM's `langfuse` callback. preCall notes the call so onSpend gets the response the client
 * got (a guardrail's redaction, never the original); onSpend builds the StandardLoggingPayload once,
 * asks `loggingTargets` where this call goes (the gateway's project, a team's or key's own through
 * its callback_vars, or nowhere), maps it to Langfuse ingestion events and queues them on that
 * destination's LogDelivery. Nothing here waits on Langfuse.
 */
import { CredentialDeliveryPool } from '@sluice/plugin-sdk/node';
import { definePlugin, loggingTargets, resolveCallbackVars, ResponseRecorder, standardLoggingPayload, TargetResolutions, type LoggingTarget } from '@sluice/plugin-sdk';
import type { LoggingLangfuseConfig } from './config.generated.js';
import { ingestionSender, normalizeHost, type LangfuseCredentials } from './ingestion-client.js';
import { langfuseEvents, type IngestionEvent } from './langfuse-events.js';
import manifest from '../plugin.json' with { type: 'json' };

export { langfuseEvents } from './langfuse-events.js';

const NAMES = manifest.litellm.callbacks;
/** How long a team's resolved callback_vars are reused before `os.environ/` references are read again. */
const VARS_TTL_MS = 60_000;

const truthy = (v: unknown) => v === true || (typeof v === 'string' && ['true', '1', 'yes', 'on'].includes(v.trim().toLowerCase()));

function positive(value: unknown, fallback: number): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

export default definePlugin<LoggingLangfuseConfig>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  setup(ctx, config) {
    const ls = ctx.settings.litellm_settings;
    const host = normalizeHost(config.host ?? 'https://cloud.langfuse.com');
    const debug = truthy(config.debug);
    const globalCreds: LangfuseCredentials | undefined =
      config.public_key && config.secret_key ? { host, publicKey: config.public_key, secretKey: config.secret_key } : undefined;
    if (!globalCreds) {
      ctx.log.warn('langfuse: LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY are not both set; only teams and keys with their own langfuse_public_key/langfuse_secret_key are logged');
    }
    const rejected = ctx.metrics.counter('langfuse_rejected_events_total', { help: 'Ingestion events Langfuse refused as invalid (not retried)' }).series();
    const pool = new CredentialDeliveryPool<IngestionEvent, LangfuseCredentials>({
      max: config.max_destinations ?? 50,
      dataDir: ctx.dataDir,
      fingerprint: (c) => `${c.host}\n${c.publicKey}\n${c.secretKey}`,
      sender: (creds) =>
        ingestionSender(creds, { http: ctx.http, log: ctx.log, scrub: ctx.secrets.scrub, debug, sdkVersion: manifest.version, onRejected: (n) => rejected.inc(n) }),
      delivery: {
        name: 'langfuse',
        log: ctx.log,
        metrics: ctx.metrics,
        batchSize: Math.floor(positive(config.flush_at, 100)),
        flushIntervalMs: positive(config.flush_interval, 1) * 1000,
        maxQueued: config.max_queued ?? 5000,
        timeoutMs: config.timeout_ms ?? 10_000,
      },
    });
    // Opened now rather than at the first call, so a backlog spilled by the last run is replayed at start.
    if (globalCreds) pool.get({ targetId: 'global', creds: globalCreds });
    const recorder = new ResponseRecorder();
    let warnedNoCreds = false;

    /** A team's or key's vars → its credentials; missing values fall back to the gateway's (LiteLLM reads the env for what a dynamic param leaves unset). */
    async function credsOf(vars: Readonly<Record<string, string>>): Promise<LangfuseCredentials | undefined> {
      const v = await resolveCallbackVars(vars, (name) => ctx.secrets.get(name), (name) => name.startsWith('LANGFUSE_'));
      const ownHost = v.langfuse_host ? normalizeHost(v.langfuse_host) : host;
      // The gateway's keys never go to a host a team chose: a team with its own host brings its own keys.
      const mayFallBack = ownHost === host;
      const publicKey = v.langfuse_public_key ?? (mayFallBack ? config.public_key : undefined);
      const secretKey = v.langfuse_secret_key ?? v.langfuse_secret ?? (mayFallBack ? config.secret_key : undefined);
      if (!publicKey || !secretKey) return undefined;
      if (v.langfuse_secret_key ?? v.langfuse_secret) ctx.secrets.redact(secretKey);
      return { host: ownHost, publicKey, secretKey };
    }

    const resolved = new TargetResolutions<LangfuseCredentials>(
      credsOf,
      (target, err) => ctx.log.warn({ target: target.id, err: ctx.secrets.scrub(String((err as Error)?.message ?? err)) }, 'langfuse: could not resolve callback_vars'),
      () => ctx.now(),
      VARS_TTL_MS,
    );
    function credentials(target: LoggingTarget): Promise<LangfuseCredentials | undefined> {
      return target.vars ? resolved.get({ ...target, vars: target.vars }) : Promise.resolve(globalCreds);
    }

    return {
      async preCall(call) {
        recorder.note(call);
      },
      async onSpend(event) {
        const response = recorder.take(event.requestId);
        const targets = loggingTargets(event, { names: NAMES, settings: ctx.settings });
        if (targets.length === 0) return;
        const eventsFor = (turnOffMessageLogging: boolean) =>
          langfuseEvents(
            standardLoggingPayload(event, { response, turnOffMessageLogging, redactUserApiKeyInfo: truthy(ls.redact_user_api_key_info), scrub: ctx.secrets.scrub }),
            { release: config.release, defaultTags: config.langfuse_default_tags, responseId: event.responseId, headers: event.requestHeaders?.() },
          );
        const gatewayWide = truthy(ls.turn_off_message_logging);
        let shared: ReturnType<typeof eventsFor> | undefined;
        for (const target of targets) {
          // A team's or key's callback_vars may turn message logging off for its own destination (LiteLLM's dynamic turn_off_message_logging).
          const own = target.vars?.turn_off_message_logging;
          const events = own !== undefined && truthy(own) !== gatewayWide ? eventsFor(truthy(own)) : (shared ??= eventsFor(gatewayWide));
          const creds = await credentials(target);
          if (!creds) {
            if (!warnedNoCreds) ctx.log.warn({ target: target.id }, 'langfuse: no Langfuse keys for this destination; its calls are not logged');
            warnedNoCreds = true;
            continue;
          }
          const delivery = pool.get({ targetId: target.id, creds });
          for (const e of events) delivery.push(e);
        }
      },
      async close() {
        await pool.close();
      },
    };
  },
});
