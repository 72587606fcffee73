/**
 * Destinations a team set for itself: its own account and container, never the gateway's. LiteLLM
 * has no azure_storage callback vars (its key/team `callback_vars` allow-list has none, so the
 * management API refuses them); they come from `litellm_settings.default_team_settings`, which the
 * operator writes: LiteLLM's environment names in lower case (`azure_storage_account_name`,
 * `azure_storage_file_system`, `azure_storage_account_key`…). `os.environ/AZURE_STORAGE_…`
 * references are resolved through the secret managers, and only those names.
 *
 * A team's destination takes nothing from the gateway's settings, so team A's logs cannot reach
 * the gateway's container or team B's. Kept open for at most `max` destinations, least recently
 * used closed first (its queue flushed, or spilled and replayed when it is used again).
 */
import { createHash } from 'node:crypto';
import { resolveCallbackVars, type LoggingTarget } from '@sluice/plugin-sdk';
import type { AzureStorageSettings } from './azure-credential.js';

const VAR_FIELDS: Record<string, keyof AzureStorageSettings> = {
  azure_storage_account_name: 'accountName',
  azure_storage_file_system: 'fileSystem',
  azure_storage_account_key: 'accountKey',
  azure_storage_tenant_id: 'tenantId',
  azure_storage_client_id: 'clientId',
  azure_storage_client_secret: 'clientSecret',
  azure_storage_endpoint_suffix: 'endpointSuffix',
  azure_storage_account_url: 'accountUrl',
};

/** Whether a party's vars name an Azure Storage destination of its own. */
export const hasAzureVars = (vars: Readonly<Record<string, string>>): boolean => Object.keys(vars).some((k) => k.toLowerCase() in VAR_FIELDS);

export const isAzureStorageEnv = (name: string): boolean => /^AZURE_STORAGE_[A-Z0-9_]+$/.test(name);

/** The settings a party's vars give (unknown vars, e.g. another integration's, are ignored). */
export function settingsFromVars(vars: Readonly<Record<string, string>>): AzureStorageSettings {
  const out: AzureStorageSettings = {};
  for (const k in vars) {
    const field = VAR_FIELDS[k.toLowerCase()];
    if (field && field !== 'disableInstanceDiscovery' && vars[k] !== '') out[field] = vars[k];
  }
  return out;
}

/** A stable id of a party's destination and vars as stored: names its spill file, so replays go where they came from. */
export function destinationKey(target: LoggingTarget): string {
  const vars = target.vars ?? {};
  const sorted = Object.keys(vars).sort().map((k) => [k, vars[k]]);
  return createHash('sha256').update(JSON.stringify([target.id, sorted])).digest('hex').slice(0, 16);
}

export async function resolveTeamSettings(target: LoggingTarget, read: (name: string) => Promise<string | undefined>): Promise<AzureStorageSettings> {
  const vars = await resolveCallbackVars(target.vars ?? {}, read, isAzureStorageEnv);
  return settingsFromVars(vars);
}

/** A map that forgets (and hands back) its least recently used entry past `max`. */
export class LruMap<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  /** Stores `value`; returns the evicted entry, if one was. */
  set(key: string, value: V): V | undefined {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size <= this.max) return undefined;
    const oldest = this.map.keys().next().value!;
    const evicted = this.map.get(oldest);
    this.map.delete(oldest);
    return evicted;
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  clear(): void {
    this.map.clear();
  }
}
