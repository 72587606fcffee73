/**
 * LiteLLM's `key_management_settings.store_virtual_keys` (KeyManagementEventHooks): a generated,
 * regenerated or rotated key is written to the secret managers that store secrets
 * (`ctx.secrets.write`), under `prefix_for_stored_virtual_keys` (default `litellm/`) + the key's
 * alias, or `virtual-key-<token hash>` without one; a deleted key is removed.
 *
 * A key of a team with `metadata.secret_manager_settings` (team-secret-settings.ts) is written and
 * deleted with them (`SecretWriteMeta.settings`): its team's namespace / mount / prefix, LiteLLM's
 * `_get_secret_manager_optional_params`. They are read before the key's transaction starts.
 *
 * Unlike LiteLLM (which logs a failed write and keeps the key), a failed write fails the key
 * operation: key-routes.ts runs the write inside the database transaction that creates or moves
 * the key, so a refusal rolls the row back and no key exists that the manager does not hold.
 */
import type { PluginContext, SecretWriteMeta } from '@sluice/plugin-sdk';
import { KeyErrors } from './errors.js';

/** A team's secret manager settings; undefined without a team, without settings, or when the team is gone. */
export type TeamSecretSettings = Readonly<Record<string, unknown>> | undefined;

export const DEFAULT_VIRTUAL_KEY_PREFIX = 'litellm/';

export interface KeyManagementSettings {
  store_virtual_keys?: unknown;
  prefix_for_stored_virtual_keys?: unknown;
  description?: unknown;
  tags?: unknown;
}

export interface VirtualKeySecrets {
  /** `store_virtual_keys: true`. */
  readonly enabled: boolean;
  /** LiteLLM's secret name for a key: prefix + alias, else `virtual-key-<token>`. */
  nameOf(k: { key_alias: string | null; token: string }): string;
  /** The settings of the key's team, for `write` / `remove` (read outside any transaction). */
  settingsOf(teamId: string | null | undefined): Promise<TeamSecretSettings>;
  /** Writes `value` under `name` in every manager that stores secrets (where `team` says); a failure is SECRET_STORE_FAILED. */
  write(name: string, value: string, outcome: string, team?: TeamSecretSettings): Promise<void>;
  remove(name: string, outcome: string, team?: TeamSecretSettings): Promise<void>;
}

export function virtualKeySecrets(
  ctx: PluginContext,
  settings: KeyManagementSettings | undefined,
  teamSettings: (teamId: string) => Promise<TeamSecretSettings> = async () => undefined,
): VirtualKeySecrets {
  const enabled = settings?.store_virtual_keys === true || settings?.store_virtual_keys === 'true';
  const rawPrefix = typeof settings?.prefix_for_stored_virtual_keys === 'string' ? settings.prefix_for_stored_virtual_keys : DEFAULT_VIRTUAL_KEY_PREFIX;
  // LiteLLM's _get_secret_name: the prefix, then a slash unless the prefix ends with one.
  const prefix = rawPrefix.endsWith('/') ? rawPrefix : `${rawPrefix}/`;
  const meta: SecretWriteMeta = {};
  if (typeof settings?.description === 'string') meta.description = settings.description;
  if (settings?.tags && typeof settings.tags === 'object' && !Array.isArray(settings.tags)) {
    meta.tags = Object.fromEntries(Object.entries(settings.tags as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  }
  const failed = (action: string, err: unknown, outcome: string) =>
    KeyErrors.SECRET_STORE_FAILED({ action, reason: ctx.secrets.scrub(err instanceof Error ? err.message : String(err)), outcome });
  return {
    enabled,
    nameOf: (k) => `${prefix}${k.key_alias || `virtual-key-${k.token}`}`,
    async settingsOf(teamId) {
      if (!enabled || !teamId) return undefined;
      return teamSettings(teamId);
    },
    async write(name, value, outcome, team) {
      if (!enabled) return;
      try {
        const written = await ctx.secrets.write(name, value, team ? { ...meta, settings: team } : meta);
        if (written.length === 0) ctx.log.warn({ secret: name }, 'store_virtual_keys is on but no secret manager stores secrets: the key was not written anywhere');
      } catch (err) {
        throw failed('store', err, outcome);
      }
    },
    async remove(name, outcome, team) {
      if (!enabled) return;
      try {
        await ctx.secrets.remove(name, team ? { settings: team } : undefined);
      } catch (err) {
        throw failed('delete', err, outcome);
      }
    },
  };
}
