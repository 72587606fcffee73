/**
 * LiteLLM's per-team and per-key logging settings as stored: a key's or team's `metadata.logging`
 * (a list of AddTeamCallback `{callback_name, callback_type, callback_vars}`) and a team's older
 * `metadata.callback_settings` (TeamCallbackMetadata). Checked when written, with LiteLLM's
 * messages; shown with credential values masked; audited with every value redacted.
 * `plugin-sdk/logging-routing.ts` reads the same shapes at call time.
 */
import { isDeepStrictEqual } from 'node:util';
import { definePluginErrors, type CallbackType } from '@sluice/plugin-sdk';

export const LoggingErrors = definePluginErrors('TEAM_LOGGING', {
  /** LiteLLM's AddTeamCallback / callback_config_validation messages. */
  INVALID: { status: 400, type: 'invalid_request_error', message: '{reason}' },
  /** LiteLLM's wording (add_team_callbacks). */
  DUPLICATE: {
    status: 400,
    type: 'bad_request_error',
    param: 'callback_name',
    message: 'callback_name = {name} already exists in team_callback_settings, for team_id = {team} and event = {event}',
  },
  /** LiteLLM's wording (delete_team_callback). */
  NOT_REGISTERED: { status: 404, type: 'not_found_error', param: 'callback_name', message: 'callback_name = {name} is not registered for team_id = {team}.' },
  /** LiteLLM's wording for a proxy admin naming an unknown team (add: 400; read, delete, disable: 404). */
  TEAM_MISSING: { status: 400, type: 'bad_request_error', param: 'team_id', message: 'Team id = {team} does not exist.' },
  TEAM_MISSING_404: { status: 404, type: 'not_found_error', param: 'team_id', message: 'Team id = {team} does not exist.' },
});

export const CALLBACK_TYPES: readonly CallbackType[] = ['success', 'failure', 'success_and_failure'];

/** LiteLLM's StandardCallbackDynamicParams: the only `callback_vars` a team or key may set. */
export const CALLBACK_VARS: readonly string[] = [
  'langfuse_public_key', 'langfuse_secret', 'langfuse_secret_key', 'langfuse_host', 'langfuse_prompt_version', 'langfuse_environment',
  'langfuse_span_scope', 'otel_span_scope',
  'gcs_bucket_name', 'gcs_path_service_account',
  'langsmith_api_key', 'langsmith_project', 'langsmith_base_url', 'langsmith_sampling_rate', 'langsmith_tenant_id',
  'humanloop_api_key', 'arize_api_key', 'arize_space_key', 'arize_space_id', 'posthog_api_key', 'posthog_api_url',
  'wandb_api_key', 'weave_project_id', 'newrelic_api_key', 'newrelic_region',
  'turn_off_message_logging', 'litellm_disabled_callbacks',
];
const VAR_SET = new Set(CALLBACK_VARS);
/** Python's repr of LiteLLM's `valid_keys` set, as its message prints it. */
const VALID_KEYS_TEXT = `{${[...CALLBACK_VARS].sort().map((k) => `'${k}'`).join(', ')}}`;

/** LiteLLM's marker for a masked or redacted callback variable. */
export const REDACTED = '***REDACTED***';

/** Variables that carry a credential: masked in every answer (LiteLLM's is_sensitive_callback_key, or stricter). */
export function isSecretVar(name: string): boolean {
  const n = name.toLowerCase();
  return /secret|password|passwd|token|credential|service_account|api_key|_key$/.test(n);
}

export interface LoggingEntry {
  callback_name: string;
  callback_type: CallbackType;
  callback_vars: Record<string, string>;
}

const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const invalid = (reason: string, param: string) => LoggingErrors.INVALID({ reason }, { param });

const ENV_REFERENCE_ERROR = (param: string) =>
  `Callback param '${param}' (from key/team callback metadata) contains an 'os.environ/' reference. Environment references in ` +
  'request-supplied parameters are only resolved server-side when a proxy admin sets them: pass the value itself, or ask a proxy admin.';
const HOST_PATH_ERROR = (param: string) =>
  `Callback param '${param}' (from key/team callback metadata) names a file on the gateway's host; only a proxy admin may set it.`;
const LANGFUSE_ENVIRONMENT = /^(?!langfuse)[a-z0-9-_]+$/;
const SPAN_SCOPES = ['full', 'no_internal', 'llm_only'];

export interface EntryCheckOptions {
  /** `os.environ/NAME` values are accepted (a proxy admin, who holds every secret anyway). */
  allowEnvReferences: boolean;
}

/** One AddTeamCallback: `callback_name` (required), `callback_type` (default success_and_failure), `callback_vars`. */
export function parseLoggingEntry(v: unknown, field: string, opts: EntryCheckOptions): LoggingEntry {
  const e = obj(v);
  if (!e) throw invalid(`${field}: expected {"callback_name": ..., "callback_type": ..., "callback_vars": {...}}`, field);
  const unknown = Object.keys(e).filter((k) => !['callback_name', 'callback_type', 'callback_vars'].includes(k));
  if (unknown.length > 0) throw invalid(`${field}: unknown field(s) ${unknown.join(', ')}; expected callback_name, callback_type, callback_vars`, field);
  if (typeof e.callback_name !== 'string' || e.callback_name.trim() === '') throw invalid(`${field}.callback_name: Field required (a callback name, e.g. "langfuse")`, `${field}.callback_name`);
  const type = e.callback_type ?? 'success_and_failure';
  if (!CALLBACK_TYPES.includes(type as CallbackType)) {
    throw invalid(`${field}.callback_type: Input should be 'success', 'failure' or 'success_and_failure'`, `${field}.callback_type`);
  }
  if (e.callback_vars === undefined) throw invalid(`${field}.callback_vars: Field required`, `${field}.callback_vars`);
  const raw = obj(e.callback_vars);
  if (!raw) throw invalid(`${field}.callback_vars: Input should be a valid dictionary`, `${field}.callback_vars`);
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!VAR_SET.has(key)) throw invalid(`Invalid callback variable: ${key}. Must be one of ${VALID_KEYS_TEXT}`, `${field}.callback_vars`);
    if (value === null || (typeof value === 'object' && !Array.isArray(value))) throw invalid(`${field}.callback_vars.${key}: Input should be a valid string`, `${field}.callback_vars`);
    // LiteLLM str()s every value.
    const text = Array.isArray(value) ? JSON.stringify(value) : String(value);
    if (!opts.allowEnvReferences && text.includes('os.environ/')) throw invalid(ENV_REFERENCE_ERROR(key), `${field}.callback_vars`);
    // A path names a file on the gateway's host: only who may read the host's secrets may point at one (LiteLLM lets any team admin).
    if (!opts.allowEnvReferences && key === 'gcs_path_service_account') throw invalid(HOST_PATH_ERROR(key), `${field}.callback_vars`);
    vars[key] = text;
  }
  const error = varsError(e.callback_name, vars);
  if (error) throw invalid(error, `${field}.callback_vars`);
  return { callback_name: e.callback_name, callback_type: type as CallbackType, callback_vars: vars };
}

/** LiteLLM's callback_config_error checks that apply here (langfuse environment and span scopes). */
function varsError(name: string, vars: Record<string, string>): string | undefined {
  const env = vars.langfuse_environment;
  if (env !== undefined && !LANGFUSE_ENVIRONMENT.test(env)) {
    return `Invalid langfuse_environment '${env}': must be lowercase alphanumerics/hyphens/underscores and must not start with 'langfuse' (pattern ^(?!langfuse)[a-z0-9-_]+$)`;
  }
  const scope = vars.langfuse_span_scope;
  if (scope !== undefined && name !== 'langfuse_otel') return `langfuse_span_scope applies to the langfuse_otel callback only, not '${name}'`;
  for (const k of ['langfuse_span_scope', 'otel_span_scope']) {
    if (vars[k] !== undefined && !SPAN_SCOPES.includes(vars[k]!)) return `Invalid ${k} '${vars[k]}': must be one of ${SPAN_SCOPES.join(', ')}`;
  }
  if (scope !== undefined && vars.otel_span_scope !== undefined && scope !== vars.otel_span_scope) {
    return `langfuse_span_scope and otel_span_scope name different scopes ('${scope}' vs '${vars.otel_span_scope}'); set one of them`;
  }
  return undefined;
}

/**
 * A `metadata.logging` list. A masked value (`***REDACTED***`, as an answer showed it) sent back
 * for an entry of the same callback keeps the stored value, so read-modify-write round trips.
 */
export function parseLoggingList(v: unknown, field: string, opts: EntryCheckOptions, stored?: unknown): LoggingEntry[] {
  if (!Array.isArray(v)) throw invalid(`${field}: expected a list of {"callback_name", "callback_type", "callback_vars"}`, field);
  const before = Array.isArray(stored) ? stored.map(obj).filter((e): e is Record<string, unknown> => !!e) : [];
  return v.map((entry, i) => {
    const masked = obj(entry);
    const vars = obj(masked?.callback_vars);
    const kept: Record<string, unknown> = {};
    if (masked && vars) {
      const old = obj(before.find((b) => b.callback_name === masked.callback_name)?.callback_vars) ?? {};
      for (const [k, value] of Object.entries(vars)) kept[k] = value === REDACTED && typeof old[k] === 'string' ? old[k] : value;
    }
    return parseLoggingEntry(masked && vars ? { ...masked, callback_vars: kept } : entry, `${field}[${i}]`, opts);
  });
}

/** Checks the logging settings a key's or team's `metadata` carries; returns the metadata to store. */
export function checkLoggingMetadata(metadata: unknown, opts: EntryCheckOptions, stored?: unknown): Record<string, unknown> | undefined {
  const m = obj(metadata);
  if (!m) return undefined;
  const out = { ...m };
  if ('logging' in m) out.logging = parseLoggingList(m.logging, 'metadata.logging', opts, obj(stored)?.logging);
  if ('callback_settings' in m && m.callback_settings !== null) {
    const cs = obj(m.callback_settings);
    if (!cs) throw invalid('metadata.callback_settings: expected {"success_callback": [...], "failure_callback": [...], "callback_vars": {...}}', 'metadata.callback_settings');
    for (const k of ['success_callback', 'failure_callback', 'callbacks']) {
      const list = cs[k];
      if (list !== undefined && list !== null && !(Array.isArray(list) && list.every((n) => typeof n === 'string'))) {
        throw invalid(`metadata.callback_settings.${k}: Input should be a valid list of strings`, 'metadata.callback_settings');
      }
    }
    const checked = parseLoggingEntry({ callback_name: 'callback_settings', callback_vars: cs.callback_vars ?? {} }, 'metadata.callback_settings', opts);
    out.callback_settings = { ...cs, callback_vars: checked.callback_vars };
  }
  return out;
}

// Which credential family a variable configures: one entry must own a family end to end
// (LiteLLM's cross_entry_family_error). Options that choose what is exported, not where, are none.
const FAMILIES: Record<string, string> = { arize_: 'Arize', gcs_: 'GCS', humanloop_: 'Humanloop', langfuse_: 'Langfuse', langsmith_: 'LangSmith', newrelic_: 'New Relic', posthog_: 'PostHog', wandb_: 'Weights & Biases', weave_: 'Weights & Biases' };
const familyOf = (v: string): string | undefined => (v === 'langfuse_span_scope' ? undefined : Object.entries(FAMILIES).find(([p]) => v.startsWith(p))?.[1]);

/**
 * A team's entries are flattened into one set of vars at call time, so an entry naming only a
 * destination (`langfuse_host`) would carry another entry's key there. For callers below proxy
 * admin, a family another entry configures may only be repeated as it is.
 */
export function crossEntryFamilyError(vars: Record<string, string>, stored: readonly Record<string, string>[]): string | undefined {
  const storedByVar = new Map<string, string>();
  const familyValues = new Set<string>();
  for (const entry of stored) {
    for (const [k, value] of Object.entries(entry)) {
      const family = familyOf(k);
      if (!family) continue;
      storedByVar.set(k, value);
      familyValues.add(`${family}\u0000${value}`);
    }
  }
  const held = new Set([...familyValues].map((fv) => fv.split('\u0000')[0]));
  for (const [k, value] of Object.entries(vars)) {
    const family = familyOf(k);
    if (!family || !held.has(family)) continue;
    const moves = storedByVar.has(k) ? storedByVar.get(k) !== value : !familyValues.has(`${family}\u0000${value}`);
    if (moves) return `${family} is already configured by another callback entry on this team. Remove that entry before setting ${k} here.`;
  }
  return undefined;
}

/** Masks `vars`: `all` (audit rows, as LiteLLM's _redact_callback_secrets) or only credentials (answers). */
export function maskVars(vars: unknown, mode: 'all' | 'secrets'): unknown {
  const o = obj(vars);
  if (!o) return vars;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    // A reference names where the value lives, not the value: shown as it is, outside audits.
    const reference = typeof v === 'string' && v.startsWith('os.environ/');
    out[k] = mode === 'all' || (isSecretVar(k) && !reference) ? REDACTED : v;
  }
  return out;
}

/** A copy of `metadata` with the callback vars of `logging` and `callback_settings` masked. */
export function maskLoggingSecrets<T>(metadata: T, mode: 'all' | 'secrets'): T {
  const m = obj(metadata);
  if (!m || (!('logging' in m) && !('callback_settings' in m))) return metadata;
  const out: Record<string, unknown> = { ...m };
  if (Array.isArray(m.logging)) out.logging = m.logging.map((e) => (obj(e) && 'callback_vars' in obj(e)! ? { ...obj(e), callback_vars: maskVars(obj(e)!.callback_vars, mode) } : e));
  const cs = obj(m.callback_settings);
  if (cs && 'callback_vars' in cs) out.callback_settings = { ...cs, callback_vars: maskVars(cs.callback_vars, mode) };
  return out as T;
}

/**
 * Every `metadata` inside an audit record (a key, a team, `{metadata}`) with all callback values
 * redacted: the audit trail must not become a place to harvest a team's credentials.
 */
export function redactForAudit(value: unknown, depth = 0): unknown {
  if (depth > 4 || !value || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactForAudit(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = k === 'metadata' || k === 'team_metadata' ? maskLoggingSecrets(v, 'all') : redactForAudit(v, depth + 1);
  }
  return out;
}

export interface TeamCallbacks {
  success_callbacks: string[];
  failure_callbacks: string[];
  callback_vars: Record<string, string>;
}

/**
 * The callbacks in effect for a team, as LiteLLM's _resolve_team_callbacks reports them: a
 * `logging` slot wins outright (each entry adds its name to its events and its vars), else the
 * deprecated `callback_settings`.
 */
export function resolveTeamCallbacks(metadata: unknown): TeamCallbacks {
  const m = obj(metadata) ?? {};
  const out: TeamCallbacks = { success_callbacks: [], failure_callbacks: [], callback_vars: {} };
  const add = (list: string[], name: string) => void (list.includes(name) || list.push(name));
  if (m.logging !== undefined && m.logging !== null) {
    for (const e of Array.isArray(m.logging) ? m.logging : []) {
      const entry = obj(e);
      if (!entry || typeof entry.callback_name !== 'string') continue;
      const type = (entry.callback_type as CallbackType | undefined) ?? 'success_and_failure';
      if (type !== 'failure') add(out.success_callbacks, entry.callback_name);
      if (type !== 'success') add(out.failure_callbacks, entry.callback_name);
      for (const [k, v] of Object.entries(obj(entry.callback_vars) ?? {})) out.callback_vars[k] = String(v);
    }
    return out;
  }
  const cs = obj(m.callback_settings);
  if (!cs) return out;
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  for (const n of [...list(cs.success_callback), ...list(cs.callbacks)]) add(out.success_callbacks, n);
  for (const n of [...list(cs.failure_callback), ...list(cs.callbacks)]) add(out.failure_callbacks, n);
  for (const [k, v] of Object.entries(obj(cs.callback_vars) ?? {})) out.callback_vars[k] = String(v);
  return out;
}

/** Whether two metadata objects differ in their logging settings (who may change them is checked on that). */
export const loggingChanged = (before: unknown, after: unknown): boolean =>
  !isDeepStrictEqual(obj(before)?.logging ?? null, obj(after)?.logging ?? null) || !isDeepStrictEqual(obj(before)?.callback_settings ?? null, obj(after)?.callback_settings ?? null);
