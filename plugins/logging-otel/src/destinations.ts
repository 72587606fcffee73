/**
 * Where each integration's spans go, decided LiteLLM's way: `otel` from OTEL_EXPORTER /
 * OTEL_ENDPOINT / OTEL_HEADERS, `arize` with its space_id and api_key headers, `arize_phoenix`
 * with a Bearer key, `langfuse_otel` with Basic auth at <host>/api/public/otel. A team's or key's
 * `callback_vars` give that party its own credentials (LiteLLM's construct_dynamic_otel_headers).
 */
import type { LoggingOtelConfig } from './config.generated.js';

export type IntegrationName = 'otel' | 'arize' | 'arize_phoenix' | 'langfuse_otel';

/** Each integration and the callback names that select it. */
export const INTEGRATIONS: readonly { name: IntegrationName; callbacks: readonly string[] }[] = [
  { name: 'otel', callbacks: ['otel', 'opentelemetry'] },
  { name: 'arize', callbacks: ['arize'] },
  { name: 'arize_phoenix', callbacks: ['arize_phoenix'] },
  { name: 'langfuse_otel', callbacks: ['langfuse_otel'] },
];

export const ALL_CALLBACK_NAMES = INTEGRATIONS.flatMap((i) => i.callbacks);

/** The environment variables a team's `callback_vars` may reference (`os.environ/…`). */
export function ownEnvName(name: string): boolean {
  return /^(OTEL_|ARIZE_|PHOENIX_|LANGFUSE_)/.test(name);
}

export interface Destination {
  integration: IntegrationName;
  /** `console` prints spans (LiteLLM's default exporter); `otlp_http` posts them to `url`. */
  exporter: 'console' | 'otlp_http';
  url?: string;
  /** OTLP/HTTP's body encoding: protobuf (what LiteLLM's OTLPSpanExporter sends; Phoenix takes nothing else), or JSON for `http/json`. */
  encoding: 'protobuf' | 'json';
  headers: Record<string, string>;
  /** Resource attributes (service.name…). */
  resource: Record<string, string>;
  tracerName: string;
  /** Not fatal, said once when the destination is built (gRPC asked for, sent over HTTP). */
  warnings: string[];
}

const ARIZE_DEFAULT_ENDPOINT = 'https://otlp.arize.com/v1';
const PHOENIX_DEFAULT_ENDPOINT = 'http://localhost:6006/v1/traces';
const LANGFUSE_DEFAULT_HOST = 'https://us.cloud.langfuse.com';

/**
 * The destination of `integration`, from the plugin's config and, for a team's or key's own
 * destination, its callback vars; throws a message naming what is missing when it cannot send.
 */
export function destinationFor(integration: IntegrationName, config: LoggingOtelConfig, vars?: Readonly<Record<string, string>>): Destination {
  const base = {
    integration,
    tracerName: config.otel_tracer_name ?? 'litellm',
    warnings: [] as string[],
    encoding: 'protobuf' as Destination['encoding'],
  };
  const service = config.otel_service_name ?? 'litellm';
  const resource = (name: string): Record<string, string> => ({
    'service.name': name,
    'deployment.environment': config.otel_environment_name ?? 'production',
    model_id: config.otel_model_id ?? name,
  });
  switch (integration) {
    case 'otel': {
      let exporter = (config.otel_exporter ?? 'console').toLowerCase();
      // LiteLLM: an endpoint with the default console exporter means otlp_http.
      if (config.otel_endpoint && exporter === 'console') exporter = 'otlp_http';
      if (exporter === 'console') return { ...base, exporter: 'console', headers: {}, resource: resource(service) };
      if (!['otlp_http', 'http/json', 'http/protobuf', 'http', 'otlp_grpc', 'grpc'].includes(exporter)) {
        base.warnings.push(`OTEL_EXPORTER "${exporter}" is not one Sluice knows (console, otlp_http, http/json, http/protobuf); spans are printed to the console`);
        return { ...base, exporter: 'console', headers: {}, resource: resource(service) };
      }
      if (exporter === 'otlp_grpc' || exporter === 'grpc') base.warnings.push('OTEL_EXPORTER otlp_grpc is not supported: spans are sent as OTLP/HTTP (protobuf) to the same endpoint');
      if (exporter === 'http/json') base.encoding = 'json';
      if (!config.otel_endpoint) throw new Error(`OTEL_EXPORTER is ${exporter} but OTEL_ENDPOINT is not set`);
      return { ...base, exporter: 'otlp_http', url: tracesUrl(config.otel_endpoint), headers: parseHeaders(config.otel_headers), resource: resource(service) };
    }
    case 'arize': {
      let endpoint = config.arize_http_endpoint;
      if (!endpoint && config.arize_endpoint) {
        endpoint = config.arize_endpoint;
        base.warnings.push('ARIZE_ENDPOINT is a gRPC endpoint, which Sluice does not speak: spans are sent as OTLP/HTTP (protobuf) to it (set ARIZE_HTTP_ENDPOINT instead)');
      }
      // LiteLLM: team/key vars replace the headers (arize-space-id, api_key); the global ones are space_id, api_key.
      let headers: Record<string, string>;
      if (vars && (vars.arize_space_key || vars.arize_space_id || vars.arize_api_key)) {
        const space = vars.arize_space_key ?? vars.arize_space_id;
        if (!space || !vars.arize_api_key) throw new Error('a team or key arize destination needs arize_space_key (or arize_space_id) and arize_api_key');
        headers = { 'arize-space-id': space, api_key: vars.arize_api_key };
      } else {
        if (!config.arize_space_key || !config.arize_api_key) throw new Error('arize needs ARIZE_SPACE_KEY (or ARIZE_SPACE_ID) and ARIZE_API_KEY');
        headers = { space_id: config.arize_space_key, api_key: config.arize_api_key };
      }
      const name = config.arize_project_name ?? service;
      return { ...base, exporter: 'otlp_http', url: tracesUrl(endpoint ?? ARIZE_DEFAULT_ENDPOINT), headers, resource: resource(name) };
    }
    case 'arize_phoenix': {
      const url = phoenixUrl(config.phoenix_collector_http_endpoint, base.warnings);
      // A party's own destination uses its own credentials only, never the gateway's.
      const key = vars ? vars.phoenix_api_key : config.phoenix_api_key;
      if (!key && url.includes('app.phoenix.arize.com')) throw new Error('PHOENIX_API_KEY must be set when using Phoenix Cloud (app.phoenix.arize.com)');
      return { ...base, exporter: 'otlp_http', url, headers: key ? { authorization: `Bearer ${key}` } : {}, resource: resource(service) };
    }
    case 'langfuse_otel': {
      const publicKey = vars ? vars.langfuse_public_key : config.langfuse_public_key;
      const secretKey = vars ? vars.langfuse_secret_key : config.langfuse_secret_key;
      if (!publicKey || !secretKey) throw new Error('langfuse_otel needs LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY');
      let host = vars?.langfuse_host ?? config.langfuse_otel_host ?? LANGFUSE_DEFAULT_HOST;
      if (!/^https?:\/\//i.test(host)) host = `https://${host}`;
      const auth = Buffer.from(`${publicKey}:${secretKey}`).toString('base64');
      return { ...base, exporter: 'otlp_http', url: tracesUrl(`${host.replace(/\/+$/, '')}/api/public/otel`), headers: { authorization: `Basic ${auth}` }, resource: resource(service) };
    }
  }
}

/** LiteLLM's _normalize_otel_endpoint(endpoint, "traces"): the URL ends in /v1/traces. */
export function tracesUrl(endpoint: string): string {
  const url = endpoint.trim().replace(/\/+$/, '');
  let out: string;
  if (url.endsWith('/v1/traces')) out = url;
  else if (url.endsWith('/v1/metrics') || url.endsWith('/v1/logs')) out = `${url.slice(0, url.lastIndexOf('/'))}/traces`;
  else out = url.endsWith('/v1') ? `${url}/traces` : `${url}/v1/traces`;
  assertHttpUrl(out);
  return out;
}

function phoenixUrl(collector: string | undefined, warnings: string[]): string {
  if (!collector) return PHOENIX_DEFAULT_ENDPOINT;
  if (collector.startsWith('grpc://') || (collector.includes(':4317') && !collector.includes('/v1/traces'))) {
    warnings.push('PHOENIX_COLLECTOR_ENDPOINT is a gRPC endpoint, which Sluice does not speak: spans are sent as OTLP/HTTP (protobuf) to it');
    return tracesUrl(collector.replace(/^grpc:\/\//, 'http://'));
  }
  // Phoenix Cloud's URL names the space; LiteLLM sends to it as it is.
  if (collector.includes('app.phoenix.arize.com')) return collector;
  return tracesUrl(collector);
}

function assertHttpUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`"${url}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`"${url}" is not an http(s) URL`);
}

/** LiteLLM's _get_headers_dictionary: `k=v,k2=v2`, split on the first `=` of each part; values may be percent-encoded (OTel's env format). */
export function parseHeaders(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const part of text.split(',')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const key = part.slice(0, at).trim();
    const raw = part.slice(at + 1).trim();
    let value = raw;
    try {
      value = decodeURIComponent(raw);
    } catch {
      // Not percent-encoded after all: the text as written.
    }
    out[key] = value;
  }
  return out;
}
