/**
 * LiteLLM's `generic_api` callback (a webhook): every call's StandardLoggingPayload POSTed to an
 * HTTP endpoint, in batches, as a JSON array (default), NDJSON or one request per log. Routing
 * (global lists, callback_settings names, team/key logging, opt-outs) is the SDK's loggingTargets;
 * content is what the client got (ResponseRecorder), redacted as configured; each endpoint sends
 * through its own LogDelivery, so a slow or dead endpoint costs the request path nothing and loses
 * nothing (kept in memory up to max_queued_bytes, then in the spill file, sent when it answers).
 */
import {
  definePlugin,
  globalCallbackScope,
  loggingTargets,
  resolveCallbackVars,
  ResponseRecorder,
  standardLoggingPayload,
  type LoggingTarget,
  type StandardLoggingPayload,
} from '@sluice/plugin-sdk';
import { LogDelivery, LazyDeliveryPool, destinationName } from '@sluice/plugin-sdk/node';
import type { LoggingWebhookConfig } from './config.generated.js';
import {
  GENERIC_API_TYPE,
  isWebhookEnvName,
  TEAM_HEADERS_VAR,
  TEAM_URL_VAR,
  urlProblem,
  wantsEvent,
  webhookCallbacks,
  type WebhookCallback,
} from './webhook-callbacks.js';
import { mergeHeaders } from './webhook-headers.js';
import { WebhookSender, type WebhookEndpoint } from './webhook-sender.js';
import manifest from '../plugin.json' with { type: 'json' };

export { parseHeaderList, mergeHeaders } from './webhook-headers.js';
export { webhookCallbacks } from './webhook-callbacks.js';

/** Header names whose values are credentials (Authorization, X-Api-Key, X-Auth-Token, …). */
const CREDENTIAL_HEADER = /auth|key|token|secret|signature|password|cookie|credential/i;

interface ActiveCallback {
  callback: WebhookCallback;
  delivery?: LogDelivery<StandardLoggingPayload>;
}

export default definePlugin<LoggingWebhookConfig>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  setup(ctx, config) {
    const ls = ctx.settings.litellm_settings;
    const turnOffMessageLogging = ls.turn_off_message_logging === true;
    const redactUserApiKeyInfo = ls.redact_user_api_key_info === true;
    const scrub = (t: string) => ctx.secrets.scrub(t);
    const timeoutMs = (config.timeout ?? 10) * 1000;

    const delivery = (name: string, endpoint: WebhookEndpoint, batchSize: number, flushIntervalMs: number) => {
      // Credential headers carry tokens: scrubbed from anything the gateway logs.
      for (const [name, value] of Object.entries(endpoint.headers)) if (CREDENTIAL_HEADER.test(name) && value.length >= 6) ctx.secrets.redact(value);
      const sender = new WebhookSender(endpoint, ctx.http);
      return new LogDelivery<StandardLoggingPayload>({
        name,
        send: (batch) => sender.send(batch.texts, batch.signal),
        dataDir: ctx.dataDir,
        log: ctx.log,
        metrics: ctx.metrics,
        batchSize,
        flushIntervalMs,
        timeoutMs,
        maxQueuedBytes: config.max_queued_bytes,
      });
    };

    const callbacks: ActiveCallback[] = webhookCallbacks(config).map((callback) => {
      const problem = urlProblem(callback.url);
      if (problem) {
        const scope = globalCallbackScope(callback.names, ctx.settings, callback.definedInSettings);
        if (scope.success || scope.failure) ctx.log.warn({ callback: callback.names[0], reason: problem }, `${GENERIC_API_TYPE}: callback ${callback.names[0]} has no usable endpoint; its calls are not sent`);
        return { callback };
      }
      const endpoint = { url: callback.url!, headers: callback.headers, logFormat: callback.logFormat };
      return { callback, delivery: delivery(callback.deliveryName, endpoint, callback.batchSize, callback.flushIntervalMs) };
    });

    const teams = new LazyDeliveryPool<StandardLoggingPayload>(config.max_team_destinations ?? 50);
    const warned = new Set<string>();
    const destinationFor = (active: ActiveCallback, target: LoggingTarget): Promise<LogDelivery<StandardLoggingPayload> | undefined> => {
      const url = target.vars?.[TEAM_URL_VAR];
      if (!url) return Promise.resolve(active.delivery);
      const vars = { [TEAM_URL_VAR]: url, ...(target.vars?.[TEAM_HEADERS_VAR] !== undefined && { [TEAM_HEADERS_VAR]: target.vars[TEAM_HEADERS_VAR] }) };
      const name = destinationName(GENERIC_API_TYPE, `${active.callback.names[0]}|${target.id}`, vars);
      return teams.get(name, async () => {
        const resolved = await resolveCallbackVars(vars, (n) => ctx.secrets.get(n), isWebhookEnvName);
        const problem = urlProblem(resolved[TEAM_URL_VAR]);
        if (problem) {
          if (!warned.has(name)) ctx.log.warn({ destination: target.id, reason: problem }, `${GENERIC_API_TYPE}: this team/key endpoint is not usable; its calls are not sent`);
          warned.add(name);
          return undefined;
        }
        const headers = mergeHeaders(active.callback.headers, resolved[TEAM_HEADERS_VAR]);
        return delivery(name, { url: resolved[TEAM_URL_VAR]!, headers, logFormat: active.callback.logFormat }, active.callback.batchSize, active.callback.flushIntervalMs);
      });
    };

    const recorder = new ResponseRecorder();
    return {
      async preCall(call) {
        // With content redacted the response is never logged: do not ask the kernel to assemble it.
        if (!turnOffMessageLogging) recorder.note(call);
      },
      async onSpend(event) {
        const response = recorder.take(event.requestId);
        let payload: StandardLoggingPayload | undefined;
        for (const active of callbacks) {
          if (!wantsEvent(active.callback.eventTypes, event.status)) continue;
          const targets = loggingTargets(event, { names: active.callback.names, settings: ctx.settings, enabledExplicitly: active.callback.definedInSettings });
          for (const target of targets) {
            const destination = await destinationFor(active, target);
            if (!destination) continue;
            payload ??= standardLoggingPayload(event, { response, turnOffMessageLogging, redactUserApiKeyInfo, scrub });
            destination.push(payload);
          }
        }
      },
      async close() {
        await Promise.all([...callbacks.map((c) => c.delivery?.close()), teams.closeAll()]);
      },
    };
  },
});
