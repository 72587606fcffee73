/**
 * The generic_api callbacks a config defines, LiteLLM's way:
 *   - `generic_api` (and its older name `custom_callback_api`), sent to GENERIC_LOGGER_ENDPOINT
 *     with GENERIC_LOGGER_HEADERS, when a callbacks list names it;
 *   - each top-level `callback_settings.<name>` with `callback_type: generic_api`: a callback called
 *     <name> with its own endpoint, headers, event types, format and batching, on whether or not a
 *     list names it (LiteLLM auto-enables them).
 * A team or key may send its calls to its own endpoint with `callback_vars`
 * `custom_callback_api_url` / `custom_callback_api_headers` (the names LiteLLM's UI offers).
 */
import type { LoggingWebhookConfig } from './config.generated.js';
import { mergeHeaders, type HeaderSource } from './webhook-headers.js';
import type { LogFormat } from './webhook-sender.js';

export type EventType = 'llm_api_success' | 'llm_api_failure';

export interface WebhookCallback {
  /** The callback names routing answers to (`['generic_api', 'custom_callback_api']`, or the settings name). */
  names: string[];
  /** Defined in callback_settings: on without being listed. */
  definedInSettings: boolean;
  /** Names its LogDelivery: spill file and metrics label. */
  deliveryName: string;
  /** Absent: nowhere to send (warned at setup). */
  url?: string;
  headers: Record<string, string>;
  eventTypes?: readonly EventType[];
  logFormat: LogFormat;
  batchSize: number;
  flushIntervalMs: number;
}

export const GENERIC_API_NAMES = ['generic_api', 'custom_callback_api'];
export const GENERIC_API_TYPE = 'generic_api';
/** The callback_vars a team or key may set for this integration. */
export const TEAM_URL_VAR = 'custom_callback_api_url';
export const TEAM_HEADERS_VAR = 'custom_callback_api_headers';
/** Environment variables a team's `os.environ/` reference may name: this integration's own. */
export const isWebhookEnvName = (name: string): boolean => /^(GENERIC_LOGGER_|CUSTOM_CALLBACK_API_)[A-Z0-9_]+$/.test(name);

export function webhookCallbacks(config: LoggingWebhookConfig): WebhookCallback[] {
  const envHeaders: HeaderSource = config.headers;
  const common = { batchSize: config.batch_size ?? 512, flushIntervalMs: (config.flush_interval ?? 5) * 1000 };
  const out: WebhookCallback[] = [
    {
      names: GENERIC_API_NAMES,
      definedInSettings: false,
      deliveryName: GENERIC_API_TYPE,
      url: config.endpoint,
      headers: mergeHeaders(envHeaders, config.generic_logger_headers),
      eventTypes: config.event_types,
      logFormat: config.log_format ?? 'json_array',
      ...common,
    },
  ];
  for (const [name, entry] of Object.entries(config.callback_settings ?? {})) {
    if (entry.callback_type !== GENERIC_API_TYPE) continue;
    out.push({
      names: [name],
      definedInSettings: true,
      deliveryName: `${GENERIC_API_TYPE}-${name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64)}`,
      url: entry.endpoint ?? config.endpoint,
      headers: mergeHeaders(envHeaders, config.generic_logger_headers, entry.headers),
      eventTypes: entry.event_types,
      logFormat: entry.log_format ?? 'json_array',
      batchSize: entry.batch_size ?? common.batchSize,
      flushIntervalMs: entry.flush_interval !== undefined ? entry.flush_interval * 1000 : common.flushIntervalMs,
    });
  }
  return out;
}

/** Whether a call with this status goes to a callback with these event types. */
export function wantsEvent(eventTypes: readonly EventType[] | undefined, status: 'success' | 'failure'): boolean {
  return eventTypes === undefined || eventTypes.includes(status === 'success' ? 'llm_api_success' : 'llm_api_failure');
}

/** A valid http(s) URL, or the reason it is not. */
export function urlProblem(url: string | undefined): string | undefined {
  if (!url) return 'endpoint not set for GenericAPILogger, GENERIC_LOGGER_ENDPOINT not found in environment variables';
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? undefined : `endpoint ${url} is not an http(s) URL`;
  } catch {
    return `endpoint ${url} is not a valid URL`;
  }
}
