/**
 * Which calls a logging integration sends, and with whose credentials: LiteLLM's global callback
 * lists, per-team and per-key logging (the Enterprise "team-based logging"), GDPR opt-out and the
 * per-request `x-litellm-disable-callbacks` header, decided the same way by every integration.
 *
 * A call's own callbacks come from the first of these that exists —
 *   1. the key's `metadata.logging` list (`[{callback_name, callback_type, callback_vars}]`),
 *   2. the team's `metadata.logging` list, then its `metadata.callback_settings`
 *      (`POST /team/{id}/callback`; `POST /team/{id}/disable_logging` empties both lists: the team's
 *      calls then reach no integration at all),
 *   3. `litellm_settings.default_team_settings` for the team,
 * and, as in LiteLLM (`Logging.get_combined_callback_list`: dynamic + global), they are added to
 * the gateway's `callbacks` / `success_callback` / `failure_callback` lists, so a team cannot
 * silence the operator's own integrations by naming one of its own. An integration the party names
 * (for either event, as LiteLLM applies a party's `callback_vars` to every call) goes to the
 * party's destination with its `callback_vars` (its own Langfuse project) instead of the global
 * one, so team A's calls never reach team B's destination nor the operator's project of that
 * integration. A team's `callback_settings` with both lists stored empty (what `disable_logging`
 * writes) is the GDPR opt-out: that team's calls reach no integration at all. An empty
 * `metadata.logging` list is not (removing a party's last callback leaves one).
 */
import type { SpendEvent } from './hook-contexts.js';
import type { GatewaySettings } from './capabilities.js';

export type CallbackType = 'success' | 'failure' | 'success_and_failure';

/** Where a call's logs go for one integration. */
export interface LoggingTarget {
  /** Whose setting chose it. */
  source: 'global' | 'key' | 'team' | 'default_team';
  /** The party's `callback_vars` (credentials, host, project) as stored; absent for the global destination. */
  vars?: Readonly<Record<string, string>>;
  /** A stable id of the destination: `global`, or the source and a digest-free identity of the vars. */
  id: string;
}

export interface LoggingRouteOptions {
  /** The callback names this integration answers to (`['langfuse']`). */
  names: readonly string[];
  /** The gateway's settings (`ctx.settings`). */
  settings: Readonly<GatewaySettings>;
  /**
   * True when the operator enabled the plugin explicitly (YAML `plugins:`) rather than through a
   * LiteLLM callback list: the global destination then gets successes and failures.
   */
  enabledExplicitly?: boolean;
}

interface CallbackLists {
  success: ReadonlySet<string>;
  failure: ReadonlySet<string>;
  vars: Readonly<Record<string, string>>;
}

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

function stringVars(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const o = obj(v);
  // LiteLLM str()s every value: `turn_off_message_logging: true` becomes "True"-ish text; keep "true".
  if (o) for (const k in o) if (typeof o[k] === 'string' || typeof o[k] === 'number' || typeof o[k] === 'boolean') out[k] = String(o[k]);
  return out;
}

/** `[{callback_name, callback_type, callback_vars}]` (LiteLLM's key/team `metadata.logging`) → lists. */
export function listsFromLoggingEntries(entries: unknown): CallbackLists | undefined {
  if (!Array.isArray(entries)) return undefined;
  const success = new Set<string>();
  const failure = new Set<string>();
  const vars: Record<string, string> = {};
  for (const e of entries) {
    const entry = obj(e);
    const name = entry && typeof entry.callback_name === 'string' ? entry.callback_name : undefined;
    if (!name) continue;
    const type = (entry!.callback_type as CallbackType | undefined) ?? 'success_and_failure';
    if (type === 'success' || type === 'success_and_failure') success.add(name);
    if (type === 'failure' || type === 'success_and_failure') failure.add(name);
    Object.assign(vars, stringVars(entry!.callback_vars));
  }
  return { success, failure, vars };
}

/**
 * A `metadata.logging` list that names at least one callback. An empty list is no opt-out: it is
 * what removing a party's last callback leaves (`DELETE /team/{id}/callback/{name}`), which must
 * bring the gateway's logging back, not silence it. The opt-out is `callback_settings` with both
 * lists stored empty, as `POST /team/{id}/disable_logging` (LiteLLM's and this gateway's) writes it.
 */
function entriesIfAny(entries: unknown): CallbackLists | undefined {
  const lists = listsFromLoggingEntries(entries);
  return lists && (lists.success.size > 0 || lists.failure.size > 0) ? lists : undefined;
}

/** A team's `metadata.callback_settings` (LiteLLM's TeamCallbackMetadata) → lists. */
export function listsFromCallbackSettings(settings: unknown): CallbackLists | undefined {
  const s = obj(settings);
  if (!s) return undefined;
  // TeamCallbackMetadata's `callbacks` are both success and failure callbacks (litellm.callbacks).
  const both = asList(s.callbacks);
  return { success: new Set([...asList(s.success_callback), ...both]), failure: new Set([...asList(s.failure_callback), ...both]), vars: stringVars(s.callback_vars) };
}

/** `default_team_settings: [{team_id, success_callback, failure_callback, langfuse_public_key, …}]` entry for a team. */
function listsFromDefaultTeamSettings(settings: Readonly<GatewaySettings>, teamId: string): CallbackLists | undefined {
  const all = settings.litellm_settings.default_team_settings;
  if (!Array.isArray(all)) return undefined;
  const entry = all.map(obj).find((e) => e?.team_id === teamId);
  if (!entry) return undefined;
  const vars: Record<string, string> = {};
  for (const k in entry) {
    if (k === 'team_id' || k === 'success_callback' || k === 'failure_callback' || k === 'callbacks') continue;
    if (typeof entry[k] === 'string' || typeof entry[k] === 'number' || typeof entry[k] === 'boolean') vars[k] = String(entry[k]);
  }
  const both = asList(entry.callbacks);
  return { success: new Set([...asList(entry.success_callback), ...both]), failure: new Set([...asList(entry.failure_callback), ...both]), vars };
}

/** The party whose callbacks decide a call's logging (see the module comment), or undefined for the global lists. */
export function callerLogging(event: Pick<SpendEvent, 'principal'>, settings: Readonly<GatewaySettings>): { source: LoggingTarget['source']; owner: string; lists: CallbackLists } | undefined {
  const pm = event.principal.metadata ?? {};
  const keyMeta = obj(pm.metadata);
  const keyLists = entriesIfAny(keyMeta?.logging);
  if (keyLists) return { source: 'key', owner: event.principal.keyHash ?? event.principal.id, lists: keyLists };
  const teamId = event.principal.teamId;
  if (teamId === undefined) return undefined;
  const teamMeta = obj(pm.team_metadata);
  const teamLists = entriesIfAny(teamMeta?.logging) ?? listsFromCallbackSettings(teamMeta?.callback_settings);
  if (teamLists) return { source: 'team', owner: teamId, lists: teamLists };
  const defaults = listsFromDefaultTeamSettings(settings, teamId);
  if (defaults) return { source: 'default_team', owner: teamId, lists: defaults };
  return undefined;
}

/** Which of the gateway's lists name this integration: `{success, failure}`. */
export function globalCallbackScope(names: readonly string[], settings: Readonly<GatewaySettings>, enabledExplicitly = false): { success: boolean; failure: boolean } {
  const ls = settings.litellm_settings;
  const has = (list: unknown) => asList(list).some((n) => names.includes(n));
  const both = has(ls.callbacks);
  const success = both || has(ls.success_callback);
  const failure = both || has(ls.failure_callback);
  if (!success && !failure) return { success: enabledExplicitly, failure: enabledExplicitly };
  return { success, failure };
}

/** Callback names the request turned off (`x-litellm-disable-callbacks: langfuse,datadog`, body `litellm_disabled_callbacks`). */
export function disabledByRequest(event: Pick<SpendEvent, 'requestHeaders' | 'requestBody'>, settings: Readonly<GatewaySettings>): ReadonlySet<string> {
  // LiteLLM's allow_dynamic_callback_disabling (default true) lets an operator forbid it.
  if (settings.litellm_settings.allow_dynamic_callback_disabling === false) return EMPTY;
  const header = event.requestHeaders?.()['x-litellm-disable-callbacks'];
  const names = new Set<string>();
  for (const h of Array.isArray(header) ? header : header ? [header] : []) for (const n of h.split(',')) if (n.trim()) names.add(n.trim().toLowerCase());
  const body = event.requestBody?.();
  for (const n of asList(body?.litellm_disabled_callbacks)) names.add(n.trim().toLowerCase());
  return names.size === 0 ? EMPTY : names;
}

const EMPTY: ReadonlySet<string> = new Set();

/**
 * Where this call goes for the integration named `names`: no target (not sent), the global
 * destination, or a team's/key's own destination with its vars.
 */
export function loggingTargets(event: SpendEvent, opts: LoggingRouteOptions): LoggingTarget[] {
  const disabled = disabledByRequest(event, opts.settings);
  if (opts.names.some((n) => disabled.has(n.toLowerCase()))) return [];
  const caller = callerLogging(event, opts.settings);
  const failed = event.status === 'failure';
  const scope = globalCallbackScope(opts.names, opts.settings, opts.enabledExplicitly);
  const globally = failed ? scope.failure : scope.success;
  if (!caller) return globally ? [GLOBAL] : [];
  const { success, failure, vars } = caller.lists;
  // The GDPR opt-out: stored, empty lists (not default_team_settings, which may only carry vars).
  if (caller.source !== 'default_team' && success.size === 0 && failure.size === 0) return [];
  const names = (list: ReadonlySet<string>) => opts.names.some((n) => list.has(n));
  if (!names(failed ? failure : success) && !(globally && (names(success) || names(failure)))) return globally ? [GLOBAL] : [];
  // Without vars of its own the party asked for the gateway's destination of this integration.
  if (Object.keys(vars).length === 0) return [{ source: caller.source, id: 'global' }];
  return [{ source: caller.source, vars, id: `${caller.source}:${caller.owner}` }];
}

const GLOBAL: LoggingTarget = Object.freeze({ source: 'global', id: 'global' });

/**
 * `callback_vars` values may be references (`os.environ/LANGFUSE_SECRET_KEY`): resolved through
 * the secret managers and the environment, but only for names `allowed` admits. A team admin who
 * may set vars must not be able to send `os.environ/DATABASE_URL` to a host they control (LiteLLM
 * resolves any name); each integration admits its own variables (`LANGFUSE_*`).
 */
export async function resolveCallbackVars(
  vars: Readonly<Record<string, string>>,
  read: (name: string) => Promise<string | undefined>,
  allowed: (envName: string) => boolean,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const k in vars) {
    const v = vars[k]!;
    const ref = /^os\.environ\/(.+)$/.exec(v);
    if (!ref) out[k] = v;
    else if (allowed(ref[1]!)) {
      const value = await read(ref[1]!);
      if (value !== undefined) out[k] = value;
    }
  }
  return out;
}

/**
 * What a team's or key's destination resolves to (its `callback_vars` with references read),
 * cached per target for `ttlMs` so a reference is read again after a rotation, at most `max`
 * entries. A failed resolution is logged once per attempt and answers undefined (not sent).
 */
export class TargetResolutions<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T | undefined> }>();

  constructor(
    private readonly resolve: (vars: Readonly<Record<string, string>>) => Promise<T | undefined>,
    private readonly onError: (target: LoggingTarget, err: unknown) => void,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = 60_000,
    private readonly max = 1000,
  ) {}

  /** The resolved destination of a target that has vars. */
  get(target: LoggingTarget & { vars: Readonly<Record<string, string>> }): Promise<T | undefined> {
    const key = `${target.id}\n${JSON.stringify(target.vars)}`;
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    const value = this.resolve(target.vars).catch((err: unknown) => {
      this.onError(target, err);
      return undefined;
    });
    this.entries.set(key, { at: now, value });
    return value;
  }
}
