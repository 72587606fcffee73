/**
 * LiteLLM's `otel` / `opentelemetry`, `arize`, `arize_phoenix` and `langfuse_otel` callbacks.
 *
 * preCall (last, OBSERVE) gives each call its ids: the trace of the client's `traceparent` (or a
 * new one), the litellm_request span, and the raw_gen_ai_request span announced to the provider
 * in the `traceparent` it gets. onSpend (after the client's answer) builds the call's spans per
 * integration and queues them, as plain records, on that destination's LogDelivery; sending turns
 * them into ReadableSpans for OpenTelemetry's OTLP/HTTP exporter. Which calls go where — the
 * global callback lists, a team's or key's own callbacks and credentials, GDPR opt-out, the
 * x-litellm-disable-callbacks header — is the SDK's loggingTargets.
 */
import {
  definePlugin,
  loggingTargets,
  resolveCallbackVars,
  ResponseRecorder,
  standardLoggingPayload,
  type CallContext,
  type JsonObject,
  type LoggingTarget,
  type SpendEvent,
} from '@sluice/plugin-sdk';
import manifest from '../plugin.json' with { type: 'json' };
import { callSpans, type CallIds } from './call-spans.js';
import type { LoggingOtelConfig } from './config.generated.js';
import { DeliveryPool } from './delivery-pool.js';
import { queuedCall } from './otlp-export.js';
import { ALL_CALLBACK_NAMES, destinationFor, INTEGRATIONS, ownEnvName, type Destination, type IntegrationName } from './destinations.js';
import { formatTraceparent, newSpanId, newTraceId, parseTraceparent } from './trace-context.js';

export { parseTraceparent, formatTraceparent } from './trace-context.js';
export { destinationFor, tracesUrl, parseHeaders } from './destinations.js';

/** Where preCall leaves the call's ids (`state['logging-otel']`). */
const STATE_KEY = manifest.id;
/** The callback vars that give a party its own destination, per integration (LiteLLM's construct_dynamic_otel_headers). */
const PARTY_VARS: Record<IntegrationName, readonly string[]> = {
  otel: [],
  arize: ['arize_space_key', 'arize_space_id', 'arize_api_key'],
  arize_phoenix: ['phoenix_api_key'],
  langfuse_otel: ['langfuse_public_key', 'langfuse_secret_key', 'langfuse_host'],
};
const MAX_WARNED = 1_000;

export default definePlugin<LoggingOtelConfig>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  setup(ctx, config) {
    const ls = ctx.settings.litellm_settings;
    const logContent = ls.turn_off_message_logging !== true && config.message_logging !== false;
    const redactUserApiKeyInfo = ls.redact_user_api_key_info === true;
    // Loaded although no callback list names it: the operator enabled it in `plugins:`, which means otel for every call.
    const listed = namedGlobally(ls, ALL_CALLBACK_NAMES);
    for (const secret of [config.otel_headers, config.arize_api_key, config.phoenix_api_key, config.langfuse_secret_key]) if (secret) ctx.secrets.redact(secret);

    const pool = new DeliveryPool({
      dataDir: ctx.dataDir,
      log: ctx.log,
      metrics: ctx.metrics,
      max: config.max_destinations ?? 32,
      batchSize: config.batch_size ?? 200,
      flushIntervalMs: config.flush_interval_ms ?? 1000,
      maxQueued: config.max_queued ?? 5000,
      exportTimeoutMs: config.export_timeout_ms ?? 5000,
    });
    const recorder = new ResponseRecorder();
    const warned = new Set<string>();
    const warnOnce = (key: string, message: string): void => {
      if (warned.has(key)) return;
      if (warned.size >= MAX_WARNED) warned.clear();
      warned.add(key);
      ctx.log.warn(ctx.secrets.scrub(message));
    };

    // The global destinations, built once; one that cannot be built is reported at startup and skipped.
    const global = new Map<IntegrationName, Destination | undefined>();
    const globalDestination = (integration: IntegrationName): Destination | undefined => {
      if (global.has(integration)) return global.get(integration);
      let destination: Destination | undefined;
      try {
        destination = destinationFor(integration, config);
        for (const w of destination.warnings) warnOnce(`${integration}:${w}`, `${integration}: ${w}`);
      } catch (err) {
        warnOnce(`global:${integration}`, `${integration}: no spans are sent: ${(err as Error).message}`);
      }
      global.set(integration, destination);
      return destination;
    };
    // Build the global destinations at startup: misconfiguration is reported now, not at the first
    // call, and what a previous run spilled for them is replayed without waiting for a call.
    for (const { name, callbacks } of INTEGRATIONS) {
      if (!(listed ? namedGlobally(ls, callbacks) : name === 'otel')) continue;
      const destination = globalDestination(name);
      if (destination) pool.get(name, destination);
    }

    /** The destination of one target: the global one, or the party's own built from its callback vars. */
    const destinationOf = async (integration: IntegrationName, target: LoggingTarget): Promise<{ key: string; destination: Destination } | undefined> => {
      const own = target.vars ? PARTY_VARS[integration].filter((k) => target.vars![k] !== undefined) : [];
      if (own.length === 0) {
        const destination = globalDestination(integration);
        return destination && { key: integration, destination };
      }
      const vars = await resolveCallbackVars(target.vars!, (name) => ctx.secrets.get(name), ownEnvName);
      const relevant: Record<string, string> = {};
      for (const k of PARTY_VARS[integration]) if (vars[k] !== undefined) relevant[k] = vars[k]!;
      try {
        const destination = destinationFor(integration, config, relevant);
        return { key: `${integration}|${target.id}|${JSON.stringify(relevant)}`, destination };
      } catch (err) {
        warnOnce(`${integration}:${target.id}`, `${integration}: the ${target.source} destination ${target.id} cannot be used, its calls are not sent: ${(err as Error).message}`);
        return undefined;
      }
    };

    const record = async (event: SpendEvent): Promise<void> => {
      const response = recorder.take(event.requestId);
      const ids = callIds(event);
      // OTel's default sampler (parent-based): a client that did not sample its trace gets no spans.
      if (ids.parentSpanId !== undefined && (ids.flags & 1) === 0) return;
      let payload: ReturnType<typeof standardLoggingPayload> | undefined;
      let parsed: JsonObject | undefined;
      for (const { name, callbacks } of INTEGRATIONS) {
        const targets = loggingTargets(event, { names: callbacks, settings: ctx.settings, enabledExplicitly: !listed && name === 'otel' });
        for (const target of targets) {
          const found = await destinationOf(name, target);
          if (!found) continue;
          if (!payload) {
            // Parsed once, for the payload and for the span's response fields alike.
            parsed = parseResponse(response);
            payload = standardLoggingPayload(event, { response: parsed ?? response, turnOffMessageLogging: !logContent, redactUserApiKeyInfo, scrub: (t) => ctx.secrets.scrub(t) });
          }
          const spans = callSpans(event, payload, ids, {
            integration: name,
            logContent,
            response: parsed,
            phoenixProjectName: config.phoenix_project_name ?? 'default',
            langfuseEnvironment: config.langfuse_tracing_environment,
          });
          pool.get(found.key, found.destination).push(queuedCall(found.destination, spans));
        }
      }
    };

    return {
      async preCall(call: CallContext) {
        recorder.note(call);
        const parent = parseTraceparent(call.headers);
        const ids: CallIds = {
          traceId: parent?.traceId ?? newTraceId(),
          spanId: newSpanId(),
          upstreamSpanId: newSpanId(),
          flags: parent ? parent.flags : 1,
          ...(parent ? { parentSpanId: parent.spanId } : {}),
          ...(parent?.traceState ? { traceState: parent.traceState } : {}),
        };
        call.state[STATE_KEY] = ids;
        // The provider's spans nest under raw_gen_ai_request, the span of this upstream call.
        call.upstreamHeaders = {
          ...call.upstreamHeaders,
          traceparent: formatTraceparent(ids.traceId, ids.upstreamSpanId, ids.flags),
          ...(ids.traceState ? { tracestate: ids.traceState } : {}),
        };
      },
      async onSpend(event) {
        try {
          await record(event);
        } catch (err) {
          ctx.log.error({ err, requestId: event.requestId }, 'tracing: the call could not be turned into spans');
        }
      },
      async close() {
        await pool.close();
      },
    };
  },
});

function namedGlobally(ls: Readonly<Record<string, unknown>>, names: readonly string[]): boolean {
  return (['callbacks', 'success_callback', 'failure_callback'] as const).some((k) => {
    const v = ls[k];
    return (Array.isArray(v) ? v : [v]).some((n) => typeof n === 'string' && names.includes(n));
  });
}

/** The ids preCall allocated; for a call refused before it (or without it), fresh ones under the client's traceparent. */
function callIds(event: SpendEvent): CallIds {
  const kept = event.state[STATE_KEY] as CallIds | undefined;
  if (kept) return kept;
  const parent = parseTraceparent(event.requestHeaders?.());
  return {
    traceId: parent?.traceId ?? newTraceId(),
    spanId: newSpanId(),
    upstreamSpanId: newSpanId(),
    flags: parent ? parent.flags : 1,
    ...(parent ? { parentSpanId: parent.spanId } : {}),
    ...(parent?.traceState ? { traceState: parent.traceState } : {}),
  };
}

function parseResponse(response: string | JsonObject | undefined): JsonObject | undefined {
  if (response === undefined) return undefined;
  if (typeof response !== 'string') return response;
  try {
    const parsed = JSON.parse(response) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}
