/**
 * LiteLLM's `langsmith` callback. preCall notes the call so onSpend gets the response the client
 * got; onSpend builds the StandardLoggingPayload, asks `loggingTargets` where the call goes (the
 * gateway's LangSmith, a team's or key's own through callback_vars, or nowhere), samples
 * (LANGSMITH_SAMPLING_RATE), and queues one run on that destination's LogDelivery.
 */
import { CredentialDeliveryPool } from '@sluice/plugin-sdk/node';
import { definePlugin, loggingTargets, resolveCallbackVars, ResponseRecorder, standardLoggingPayload, TargetResolutions, type LoggingTarget } from '@sluice/plugin-sdk';
import type { LoggingLangsmithConfig } from './config.generated.js';
import { langsmithRun, type LangsmithRun } from './langsmith-run.js';
import { normalizeBaseUrl, runsSender, type LangsmithCredentials } from './runs-client.js';
import manifest from '../plugin.json' with { type: 'json' };

export { langsmithRun, dottedOrder } from './langsmith-run.js';

const NAMES = manifest.litellm.callbacks;
const VARS_TTL_MS = 60_000;

interface Destination extends LangsmithCredentials {
  project: string;
  samplingRate: number;
}

const truthy = (v: unknown) => v === true || (typeof v === 'string' && ['true', '1', 'yes', 'on'].includes(v.trim().toLowerCase()));

function number(value: unknown, fallback: number, ok: (n: number) => boolean): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) && ok(n) ? n : fallback;
}
const rate = (value: unknown, fallback: number) => number(value, fallback, (n) => n >= 0 && n <= 1);

export default definePlugin<LoggingLangsmithConfig>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  setup(ctx, config) {
    const ls = ctx.settings.litellm_settings;
    const baseUrl = normalizeBaseUrl(config.base_url ?? 'https://api.smith.langchain.com');
    const project = config.project ?? 'litellm-completion';
    const runName = config.default_run_name ?? 'LLMRun';
    if (config.sampling_rate !== undefined && rate(config.sampling_rate, -1) === -1) {
      ctx.log.warn({ sampling_rate: config.sampling_rate }, 'langsmith: LANGSMITH_SAMPLING_RATE is not a number from 0 to 1; every call is logged');
    }
    const samplingRate = rate(config.sampling_rate, 1);
    const globalDest: Destination | undefined = config.api_key
      ? { baseUrl, apiKey: config.api_key, tenantId: config.tenant_id, project, samplingRate }
      : undefined;
    if (!globalDest) ctx.log.warn('langsmith: LANGSMITH_API_KEY is not set; only teams and keys with their own langsmith_api_key are logged');

    const rejected = ctx.metrics.counter('langsmith_rejected_runs_total', { help: 'Runs LangSmith refused (not retried)' }).series();
    const pool = new CredentialDeliveryPool<LangsmithRun, LangsmithCredentials>({
      max: config.max_destinations ?? 50,
      dataDir: ctx.dataDir,
      fingerprint: (c) => `${c.baseUrl}\n${c.apiKey}\n${c.tenantId ?? ''}`,
      sender: (creds) => runsSender(creds, { http: ctx.http, log: ctx.log, scrub: ctx.secrets.scrub, onRejected: (n) => rejected.inc(n) }),
      delivery: {
        name: 'langsmith',
        log: ctx.log,
        metrics: ctx.metrics,
        batchSize: Math.floor(number(config.langsmith_batch_size, 512, (n) => n >= 1)),
        flushIntervalMs: number(config.flush_interval, 5, (n) => n > 0) * 1000,
        maxQueued: config.max_queued ?? 5000,
        timeoutMs: config.timeout_ms ?? 10_000,
      },
    });
    // Opened now rather than at the first call, so a backlog spilled by the last run is replayed at start.
    if (globalDest) pool.get({ targetId: 'global', creds: globalDest });
    const recorder = new ResponseRecorder();
    let warnedNoKey = false;

    /** A team's or key's vars → its destination; unset values are the gateway's, but the gateway's key never goes to a base URL the team chose. */
    async function destinationOf(vars: Readonly<Record<string, string>>): Promise<Destination | undefined> {
      const v = await resolveCallbackVars(vars, (name) => ctx.secrets.get(name), (name) => name.startsWith('LANGSMITH_'));
      const ownBase = v.langsmith_base_url ? normalizeBaseUrl(v.langsmith_base_url) : baseUrl;
      const apiKey = v.langsmith_api_key ?? (ownBase === baseUrl ? config.api_key : undefined);
      if (!apiKey) return undefined;
      if (v.langsmith_api_key) ctx.secrets.redact(apiKey);
      return {
        baseUrl: ownBase,
        apiKey,
        tenantId: v.langsmith_tenant_id ?? (v.langsmith_api_key ? undefined : config.tenant_id),
        project: v.langsmith_project ?? project,
        samplingRate: rate(v.langsmith_sampling_rate, samplingRate),
      };
    }

    const resolved = new TargetResolutions<Destination>(
      destinationOf,
      (target, err) => ctx.log.warn({ target: target.id, err: ctx.secrets.scrub(String((err as Error)?.message ?? err)) }, 'langsmith: could not resolve callback_vars'),
      () => ctx.now(),
      VARS_TTL_MS,
    );
    function destination(target: LoggingTarget): Promise<Destination | undefined> {
      return target.vars ? resolved.get({ ...target, vars: target.vars }) : Promise.resolve(globalDest);
    }

    return {
      async preCall(call) {
        recorder.note(call);
      },
      async onSpend(event) {
        const response = recorder.take(event.requestId);
        const targets = loggingTargets(event, { names: NAMES, settings: ctx.settings });
        if (targets.length === 0) return;
        const gatewayWide = truthy(ls.turn_off_message_logging);
        for (const target of targets) {
          const dest = await destination(target);
          if (!dest) {
            if (!warnedNoKey) ctx.log.warn({ target: target.id }, 'langsmith: no LangSmith API key for this destination; its calls are not logged');
            warnedNoKey = true;
            continue;
          }
          if (dest.samplingRate < 1 && Math.random() >= dest.samplingRate) continue;
          const own = target.vars?.turn_off_message_logging;
          const payload = standardLoggingPayload(event, {
            response,
            turnOffMessageLogging: own !== undefined ? truthy(own) : gatewayWide,
            redactUserApiKeyInfo: truthy(ls.redact_user_api_key_info),
            scrub: ctx.secrets.scrub,
          });
          pool.get({ targetId: target.id, creds: dest }).push(langsmithRun(payload, { project: dest.project, runName }));
        }
      },
      async close() {
        await pool.close();
      },
    };
  },
});
