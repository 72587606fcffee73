/**
 * What every secret-manager plugin shares (issue 16): LiteLLM's `key_management_settings` applied
 * to a manager's raw read/write/delete operations, behind a TTL cache that keeps serving the last
 * value while the manager is unreachable. A plugin supplies only the calls to its manager's
 * official client; this turns them into the `SecretResolver` the kernel asks.
 *
 * Imported from `@sluice/plugin-sdk/node` (in-process plugins): it logs and counts through the
 * plugin's context.
 */
import type { Logger, SecretResolver, SecretWriteMeta } from './capabilities.js';
import type { Metrics } from './metrics.js';

/** LiteLLM's `general_settings.key_management_settings` (`litellm/types/secret_managers/main.py`). */
export interface KeyManagementSettings {
  /** When set, only these names are read from the manager; others fall through to the environment. */
  hosted_keys?: string[];
  /** Write generated virtual keys to the manager. */
  store_virtual_keys?: boolean;
  /** Prefix of the stored virtual keys' names; LiteLLM's default `litellm/`. */
  prefix_for_stored_virtual_keys?: string;
  access_mode?: 'read_only' | 'write_only' | 'read_and_write';
  /** One JSON secret holding every value: `get(NAME)` answers its `NAME` field. */
  primary_secret_name?: string;
  /** Description stored with written secrets (the caller's wins). */
  description?: string;
  /** Tags stored with written secrets (the caller's are added). */
  tags?: Record<string, string> | string[];
}

/** The calls to the manager itself, names as the manager sees them. */
export interface SecretManagerOperations {
  /** The value; `undefined` when the manager does not hold the name. Rejects when the manager cannot be read. */
  read(name: string): Promise<string | undefined>;
  write?(name: string, value: string, meta: SecretWriteMeta): Promise<void>;
  /** Resolves when the secret is gone or was never there. `meta.settings`: where it was written (a team's settings). */
  remove?(name: string, meta?: SecretWriteMeta): Promise<void>;
}

export interface SecretManagerResolverOptions {
  /** LiteLLM's `key_management_system` value: `azure_key_vault`, `google_secret_manager`… */
  name: string;
  /** The plugin's id, used for the metric's name. */
  pluginId: string;
  settings: KeyManagementSettings;
  operations: SecretManagerOperations;
  /** How long a read value is served without asking the manager again, ms; 0 reads every time, Infinity never again. */
  cacheTtlMs: number;
  /** Handed to the kernel: how often it re-reads the config's references. Defaults to `cacheTtlMs` when positive. */
  refreshIntervalMs?: number;
  log: Logger;
  metrics?: Metrics;
  now?: () => number;
}

interface Entry {
  value: string | undefined;
  readAt: number;
}

/** LiteLLM's `_get_secret_name`: the prefix, then a `/` unless the prefix ends with one (or is empty). */
export function storedSecretName(prefix: string | undefined, name: string): string {
  const p = prefix ?? 'litellm/';
  const full = p === '' || p.endsWith('/') ? p : `${p}/`;
  // A caller that already prefixed the name (as LiteLLM's hook does) is not prefixed twice.
  return name.startsWith(full) ? name : `${full}${name}`;
}

/** Tags as a name → value map (LiteLLM accepts a dict, or a list of names). */
function tagMap(tags: KeyManagementSettings['tags']): Record<string, string> {
  if (!tags) return {};
  if (Array.isArray(tags)) return Object.fromEntries(tags.map((t) => [t, '']));
  return { ...tags };
}

/**
 * A TTL cache in front of `read`: fresh values come from memory; a stale one is re-read, and when
 * that read fails the stale value is served (the outage logged once, every failed read counted).
 * Only a name never read successfully rejects. Concurrent reads of one name share one request.
 */
export class SecretCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<string | undefined>>();
  private outage = false;

  constructor(
    private readonly read: (name: string) => Promise<string | undefined>,
    private readonly opts: { ttlMs: number; now: () => number; onFailure: (err: unknown, stale: boolean, firstOfOutage: boolean) => void },
  ) {}

  async get(name: string): Promise<string | undefined> {
    const entry = this.entries.get(name);
    if (entry && this.opts.now() - entry.readAt < this.opts.ttlMs) return entry.value;
    let pending = this.inFlight.get(name);
    if (!pending) {
      pending = this.refresh(name, entry).finally(() => this.inFlight.delete(name));
      this.inFlight.set(name, pending);
    }
    return pending;
  }

  set(name: string, value: string | undefined): void {
    this.entries.set(name, { value, readAt: this.opts.now() });
  }

  delete(name: string): void {
    this.entries.delete(name);
  }

  private async refresh(name: string, stale: Entry | undefined): Promise<string | undefined> {
    try {
      const value = await this.read(name);
      this.outage = false;
      this.set(name, value);
      return value;
    } catch (err) {
      const first = !this.outage;
      this.outage = true;
      this.opts.onFailure(err, stale !== undefined, first);
      if (stale) return stale.value;
      throw err;
    }
  }
}

/**
 * The resolver a secret-manager plugin returns from `setup`: `hosted_keys`, `primary_secret_name`,
 * `access_mode` and `store_virtual_keys` applied as LiteLLM applies them, values cached.
 */
export function secretManagerResolver(opts: SecretManagerResolverOptions): SecretResolver {
  const { settings, operations, log } = opts;
  const mode = settings.access_mode ?? 'read_only';
  const mayRead = mode !== 'write_only';
  const mayWrite = settings.store_virtual_keys === true && mode !== 'read_only';
  const hosted = settings.hosted_keys ? new Set(settings.hosted_keys) : undefined;
  const failures = opts.metrics?.counter(`${opts.pluginId.replace(/-/g, '_')}_read_failures_total`, {
    help: `Reads from ${opts.name} that failed (a cached value was served when stale is "true").`,
    labelNames: ['stale'],
  });
  const cache = new SecretCache(operations.read, {
    ttlMs: opts.cacheTtlMs,
    now: opts.now ?? Date.now,
    onFailure: (err, stale, first) => {
      failures?.inc({ stale: String(stale) });
      // Once per outage: a manager that is down would otherwise log on every refresh of every name.
      // The error's message only: SDK errors can carry request details, never values, but keep it short.
      if (first) log.warn({ manager: opts.name, err: err instanceof Error ? err.message : String(err), servingCached: stale }, `${opts.name} could not be read; serving cached values until it answers again`);
    },
  });
  const readPrimary = async (): Promise<Record<string, unknown> | undefined> => {
    const text = await cache.get(settings.primary_secret_name!);
    if (text === undefined) return undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // fall through: the message must not quote the text, which is the secret.
    }
    throw new Error(`the primary secret ${settings.primary_secret_name} is not a JSON object`);
  };

  const resolver: SecretResolver = {
    name: opts.name,
    async get(name) {
      if (!mayRead) return undefined;
      if (hosted && !hosted.has(name)) return undefined;
      if (settings.primary_secret_name) {
        const fields = await readPrimary();
        const v = fields?.[name];
        return v === undefined || v === null ? undefined : String(v);
      }
      return cache.get(name);
    },
  };
  // A value that cannot change upstream (a KMS decryption: cacheTtlMs Infinity) needs no re-reads.
  const interval = opts.refreshIntervalMs ?? (opts.cacheTtlMs > 0 && Number.isFinite(opts.cacheTtlMs) ? opts.cacheTtlMs : undefined);
  if (interval !== undefined && Number.isFinite(interval) && interval > 0) resolver.refreshIntervalMs = interval;
  if (mayWrite && operations.write) {
    const write = operations.write.bind(operations);
    resolver.write = async (name, value, meta) => {
      const stored = storedSecretName(settings.prefix_for_stored_virtual_keys, name);
      const teamLocated = hasSettings(meta);
      await write(stored, value, {
        description: meta?.description ?? settings.description,
        tags: { ...tagMap(settings.tags), ...(meta?.tags ?? {}) },
        ...(teamLocated && { settings: meta!.settings }),
      });
      // The cache answers reads, which use the default location: a team-located write is elsewhere.
      if (!teamLocated) cache.set(stored, value);
    };
  }
  if (mayWrite && operations.remove) {
    const remove = operations.remove.bind(operations);
    resolver.remove = async (name, meta) => {
      const stored = storedSecretName(settings.prefix_for_stored_virtual_keys, name);
      if (hasSettings(meta)) return remove(stored, { settings: meta!.settings });
      await remove(stored);
      cache.delete(stored);
    };
  }
  return resolver;
}

/** Whether a write names a team's own location (LiteLLM's non-empty `secret_manager_settings`). */
function hasSettings(meta: SecretWriteMeta | undefined): boolean {
  return meta?.settings !== undefined && Object.keys(meta.settings).length > 0;
}

/** A positive number of seconds from a setting or environment string (`"300"`), else `fallback`. */
export function secondsSetting(value: unknown, fallback: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}
