/**
 * HashiCorp Vault as the gateway's secret manager (LiteLLM `key_management_system:
 * hashicorp_vault`), over Vault's HTTP API with undici (there is no official Node client).
 *
 * Secrets live in a KV v2 engine at `{addr}/v1/[{namespace}/]{mount}/data/[{path_prefix}/]{NAME}`
 * as `{"key": "<value>"}`, as LiteLLM reads and writes them. Reading: `os.environ/NAME` → that
 * secret's `key`; cached for `refresh_interval` seconds and served stale while Vault cannot be
 * read. Writing (`store_virtual_keys`, access_mode write_only / read_and_write): `POST …/data/…`
 * with `{"data": {"key": value, "description": …}}`; deleting removes every version and the
 * metadata (`DELETE …/metadata/…`), so a deleted key cannot be undeleted (LiteLLM soft-deletes the
 * latest version with `DELETE …/data/…`).
 *
 * Team-level settings (LiteLLM: a team's `metadata.secret_manager_settings`, given here as
 * `SecretWriteMeta.settings`): a key of that team is written to and deleted from the team's
 * `namespace`, `mount` and `path_prefix`, its value under the `data` field, each defaulting to the
 * configured one, as LiteLLM's HashicorpSecretManager applies its `optional_params`.
 */
import { readFileSync } from 'node:fs';
import { definePlugin, definePluginErrors, type SecretResolver, type SecretWriteMeta } from '@sluice/plugin-sdk';
import { Agent, request } from 'undici';
import manifest from '../plugin.json' with { type: 'json' };
import type { SecretsVaultConfig } from './config.generated.js';
import { StaleServingSecretCache, errorMessage } from '@sluice/plugin-sdk/node';
import { VaultError, VaultSession, trim, vaultErrors } from './vault-session.js';

export const RESOLVER_NAME = 'hashicorp_vault';

export const errors = definePluginErrors('SECRETS_VAULT', {
  WRITE_FAILED: { status: 502, type: 'api_error', message: 'Could not store {name} in Hashicorp Vault: {reason}' },
  DELETE_FAILED: { status: 502, type: 'api_error', message: 'Could not delete {name} from Hashicorp Vault: {reason}' },
});

/** The field of the KV v2 payload that holds the value (LiteLLM: "all secrets are stored under the key `key`"). */
const DATA_KEY = 'key';

/** A KV v2 place: `{addr}/v1/[{namespace}/]{mount}`, the path prefix under it, the payload field of the value. */
interface VaultLocation {
  base: string;
  pathPrefix: string;
  dataKey: string;
}

export default definePlugin<SecretsVaultConfig>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  setup(ctx, config) {
    const addr = (config.vault_addr ?? 'http://127.0.0.1:8200').replace(/\/+$/, '');
    const accessMode = config.access_mode ?? 'read_only';
    const reads = accessMode !== 'write_only';
    const writes = config.store_virtual_keys === true && accessMode !== 'read_only';
    const prefix = config.prefix_for_stored_virtual_keys ?? 'litellm/';
    const hosted = config.hosted_keys ? new Set(config.hosted_keys) : undefined;
    const refreshMs = Number(config.refresh_interval ?? 86_400) * 1000;
    const secretNamespace = trim(config.secret_namespace ?? config.vault_namespace ?? '');
    const base = [addr, 'v1', secretNamespace, trim(config.vault_mount_name ?? 'secret')].filter(Boolean).join('/');
    const pathPrefix = trim(config.vault_path_prefix ?? '');

    const dispatcher = new Agent({
      connect: {
        ...(config.ca_cert ? { ca: readFileSync(config.ca_cert, 'utf8') } : {}),
        ...(config.client_cert && config.client_key ? { cert: readFileSync(config.client_cert, 'utf8'), key: readFileSync(config.client_key, 'utf8') } : {}),
      },
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
      connectTimeout: 5_000,
    });
    const session = new VaultSession(
      { ...config, vault_addr: addr, login_namespace: config.login_namespace ?? config.vault_namespace },
      dispatcher,
      ctx.log,
      (v) => ctx.secrets.redact(v),
    );
    void session.start();
    const staleServed = ctx.metrics.counter('hashicorp_vault_stale_reads_total', { help: 'Secret reads answered from the cache because Hashicorp Vault could not be read' }).series();

    const defaultLocation: VaultLocation = { base, pathPrefix, dataKey: DATA_KEY };
    const urlOf = (kind: 'data' | 'metadata', name: string, at: VaultLocation = defaultLocation) =>
      `${at.base}/${kind}/${[at.pathPrefix, name].filter(Boolean).join('/').split('/').filter(Boolean).map(encodeURIComponent).join('/')}`;
    /** Where a write or delete goes: the team's settings over the configured defaults; undefined = the defaults. */
    const locationOf = (meta: SecretWriteMeta | undefined): VaultLocation | undefined => {
      const s = meta?.settings;
      if (!s || Object.keys(s).length === 0) return undefined;
      const field = (name: string): string | undefined => {
        const v = s[name];
        if (v === undefined || v === null) return undefined;
        if (typeof v !== 'string') throw new Error(`the team's secret_manager_settings.${name} must be a string`);
        if (v.split('/').some((seg) => seg === '..' || seg === '.')) throw new Error(`Invalid ${name} ${JSON.stringify(v)}`);
        return v;
      };
      const namespace = field('namespace');
      const mount = field('mount');
      const prefix = field('path_prefix');
      const data = field('data');
      return {
        base: [addr, 'v1', trim(namespace ?? secretNamespace), trim(mount ?? config.vault_mount_name ?? 'secret')].filter(Boolean).join('/'),
        pathPrefix: prefix === undefined ? pathPrefix : trim(prefix),
        dataKey: data || DATA_KEY,
      };
    };

    /** One KV v2 call with the session's token; a 403 drops the token and, after a new login, retries once. */
    async function call(method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown): Promise<{ status: number; text: string }> {
      for (let attempt = 0; ; attempt++) {
        const token = await session.token();
        const res = await request(url, {
          method,
          headers: { 'x-vault-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          dispatcher,
        });
        const text = await res.body.text();
        if (res.statusCode === 403 && attempt === 0 && session.rejected(token)) continue;
        return { status: res.statusCode, text };
      }
    }

    async function read(name: string): Promise<string | undefined> {
      const { status, text } = await call('GET', urlOf('data', name));
      if (status === 404) return undefined;
      if (status !== 200) throw new VaultError(`Hashicorp Vault answered ${status} reading ${name}: ${vaultErrors(text)}`, status);
      const value = (JSON.parse(text) as { data?: { data?: Record<string, unknown> | null } }).data?.data?.[DATA_KEY];
      if (value === undefined || value === null) return undefined;
      return typeof value === 'string' ? value : JSON.stringify(value);
    }

    const cache = new StaleServingSecretCache(read, { ttlMs: refreshMs, now: () => ctx.now(), log: ctx.log, staleServed, manager: 'Hashicorp Vault' });
    const storedName = (name: string) => (name.startsWith(prefix) ? name : `${prefix}${name}`);

    async function write(name: string, value: string, meta?: SecretWriteMeta): Promise<void> {
      const path = storedName(name);
      const description = meta?.description ?? config.description;
      let team: VaultLocation | undefined;
      try {
        team = locationOf(meta);
        const at = team ?? defaultLocation;
        const { status, text } = await call('POST', urlOf('data', path, at), { data: { [at.dataKey]: value, ...(description ? { description } : {}) } });
        if (status !== 200 && status !== 204) throw new VaultError(`${status} ${vaultErrors(text)}`, status);
      } catch (err) {
        throw errors.WRITE_FAILED({ name: path, reason: errorMessage(err) }, { cause: err });
      }
      // Reads use the configured location: a secret stored at a team's location is not theirs to answer.
      if (!team) cache.set(path, value);
      ctx.log.info({ secret: path, ...(team && { location: team.base.slice(addr.length) }) }, 'stored a secret in Hashicorp Vault');
    }

    async function remove(name: string, meta?: SecretWriteMeta): Promise<void> {
      const path = storedName(name);
      let team: VaultLocation | undefined;
      try {
        team = locationOf(meta);
        const { status, text } = await call('DELETE', urlOf('metadata', path, team));
        if (status !== 204 && status !== 200 && status !== 404) throw new VaultError(`${status} ${vaultErrors(text)}`, status);
      } catch (err) {
        throw errors.DELETE_FAILED({ name: path, reason: errorMessage(err) }, { cause: err });
      }
      if (!team) cache.forget(path);
      ctx.log.info({ secret: path, ...(team && { location: team.base.slice(addr.length) }) }, 'deleted a secret from Hashicorp Vault');
    }

    const resolver: SecretResolver = {
      name: RESOLVER_NAME,
      async get(name) {
        if (!reads || (hosted && !hosted.has(name))) return undefined;
        return cache.get(name);
      },
      ...(writes ? { write, remove } : {}),
      ...(reads ? { refreshIntervalMs: refreshMs } : {}),
    };
    ctx.log.info(
      { addr, auth: session.method, mount: config.vault_mount_name ?? 'secret', namespace: secretNamespace || undefined, access_mode: accessMode, store_virtual_keys: writes },
      'Hashicorp Vault secret resolver ready',
    );
    return {
      secretResolvers: [resolver],
      async close() {
        session.close();
        await dispatcher.close();
      },
    };
  },
});
