/**
 * A `pass_through_endpoints` entry turned, once at startup, into what each request needs: the
 * parsed target, the header list with `os.environ/` references resolved, the methods, the timeout.
 * Entries sharing a route share one registration (LiteLLM lets one path send each method elsewhere).
 */
import { PluginConfigError, type SecretReader, type Logger } from '@sluice/plugin-sdk';
import type { PassThroughEndpoint, PassThroughEndpointsConfig } from './config.generated.js';

export const ALL_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;

export interface EndpointSettings {
  /** The configured path, with a leading slash and no trailing one (the root stays `/`). */
  path: string;
  target: URL;
  /** Configured headers, resolved: sent on every request. */
  headers: readonly (readonly [string, string])[];
  /** Lower-cased names of `headers`: a client header of the same name is not forwarded. */
  headerNames: ReadonlySet<string>;
  forwardHeaders: boolean;
  includeSubpath: boolean;
  auth: boolean;
  costPerRequest: number;
  timeoutMs: number;
  methods: ReadonlySet<string>;
  defaultQuery: readonly (readonly [string, string])[];
}

const ENV_REF = 'os.environ/';

function normalPath(path: string): string {
  const withSlash = path.startsWith('/') ? path : `/${path}`;
  return withSlash.length > 1 ? withSlash.replace(/\/+$/, '') || '/' : withSlash;
}

function parseTarget(target: string, at: string): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new PluginConfigError(`${at}.target`, `pass-through target must be an absolute http(s) URL, got ${JSON.stringify(target)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PluginConfigError(`${at}.target`, `pass-through target must be an http(s) URL, got ${url.protocol} (websocket targets are not supported)`);
  }
  return url;
}

/** Warnings for `checkConfig` and errors for what cannot work, before setup. */
export function configWarnings(config: PassThroughEndpointsConfig): string[] {
  const warnings: string[] = [];
  (config.pass_through_endpoints ?? []).forEach((ep, i) => {
    const at = `general_settings.pass_through_endpoints[${i}]`;
    // An unresolved `os.environ/` target (in `config check`, or a variable not set) is checked at setup.
    if (ep.target !== undefined && !ep.target.startsWith(ENV_REF)) parseTarget(ep.target, at);
    if (ep.guardrails) warnings.push(`${at}.guardrails is not supported: no guardrail runs on pass-through requests to ${ep.path}`);
    if (ep.custom_auth_parser !== undefined) warnings.push(`${at}.custom_auth_parser is not supported: ${ep.path} authenticates with the usual key headers`);
    if (ep.cost_per_request && ep.auth !== true) warnings.push(`${at}.cost_per_request has no effect without auth: true (nobody to charge for ${ep.path})`);
  });
  return warnings;
}

/** `LANGFUSE_PUBLIC_KEY` + `LANGFUSE_SECRET_KEY` → `Authorization: Basic base64(public:secret)`, as LiteLLM builds it. */
function langfuseAuthorization(headers: Record<string, string>): string | undefined {
  const pub = headers.LANGFUSE_PUBLIC_KEY;
  const secret = headers.LANGFUSE_SECRET_KEY;
  if (pub === undefined && secret === undefined) return undefined;
  return `Basic ${Buffer.from(`${pub}:${secret}`).toString('base64')}`;
}

/**
 * A header value with an `os.environ/NAME` reference inside it (`bearer os.environ/KEY`): the
 * reference runs to the end of the value, as LiteLLM reads it. Whole-value references were
 * already resolved with the rest of the config.
 */
async function resolveHeader(name: string, value: string, secrets: SecretReader, log: Logger, path: string): Promise<string> {
  const at = value.indexOf(ENV_REF);
  if (at === -1) return value;
  const variable = value.slice(at + ENV_REF.length);
  const secret = await secrets.get(variable);
  if (secret === undefined) {
    log.warn({ path, header: name, variable }, `pass-through endpoint ${path}: header ${name} references os.environ/${variable}, which is not set; sent as written`);
    return value;
  }
  secrets.redact(secret);
  return value.slice(0, at) + secret;
}

/** Header names whose values are credentials: never shown in logs or error messages. */
const CREDENTIAL_HEADER = /auth|key|token|secret|password|cookie|credential/i;

export async function endpointSettings(
  config: PassThroughEndpointsConfig,
  secrets: SecretReader,
  log: Logger,
): Promise<EndpointSettings[]> {
  const out: EndpointSettings[] = [];
  const defaultTimeout = config.pass_through_request_timeout ?? 600;
  for (const [i, ep] of (config.pass_through_endpoints ?? []).entries()) {
    const at = `general_settings.pass_through_endpoints[${i}]`;
    if (ep.target === undefined || ep.target === '' || ep.target.startsWith(ENV_REF)) {
      log.warn({ path: ep.path }, `pass-through endpoint ${ep.path} has no target (unset or unresolved); it is not served`);
      continue;
    }
    const target = parseTarget(ep.target, at);
    out.push({
      path: normalPath(ep.path),
      target,
      ...(await headersOf(ep, secrets, log)),
      forwardHeaders: ep.forward_headers === true,
      includeSubpath: ep.include_subpath === true,
      auth: ep.auth === true,
      costPerRequest: ep.cost_per_request ?? 0,
      timeoutMs: Math.round((ep.timeout ?? defaultTimeout) * 1000),
      methods: new Set(ep.methods && ep.methods.length > 0 ? ep.methods : ALL_METHODS),
      defaultQuery: Object.entries(ep.default_query_params ?? {}).map(([k, v]) => [k, String(v)] as const),
    });
  }
  return out;
}

async function headersOf(ep: PassThroughEndpoint, secrets: SecretReader, log: Logger): Promise<Pick<EndpointSettings, 'headers' | 'headerNames'>> {
  const raw: Record<string, string> = {};
  for (const [k, v] of Object.entries(ep.headers ?? {})) raw[k] = String(v);
  const headers: [string, string][] = [];
  const basic = langfuseAuthorization(raw);
  for (const [name, value] of Object.entries(raw)) {
    if (name === 'LANGFUSE_PUBLIC_KEY' || name === 'LANGFUSE_SECRET_KEY') continue;
    const resolved = await resolveHeader(name, value, secrets, log, ep.path);
    if (CREDENTIAL_HEADER.test(name)) secrets.redact(resolved);
    headers.push([name, resolved]);
  }
  if (basic !== undefined) {
    secrets.redact(basic);
    headers.push(['Authorization', basic]);
  }
  return { headers, headerNames: new Set(headers.map(([n]) => n.toLowerCase())) };
}
