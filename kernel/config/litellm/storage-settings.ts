/**
 * Where LiteLLM keeps its backends → Sluice's `storage:`. LiteLLM reads the database from
 * `general_settings.database_url` and Redis from `router_settings.redis_*` or the REDIS_HOST /
 * REDIS_PORT / REDIS_PASSWORD environment variables; Sluice's own keys win when both are set.
 */
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { envLookup, resolveStringRef, type RefLookup } from '../env-refs.js';

type StorageSettings = NonNullable<SluiceConfig['storage']>;

export async function translateStorage(config: SluiceConfig, env: NodeJS.ProcessEnv): Promise<StorageSettings | undefined> {
  const storage: StorageSettings = { ...config.storage };
  const databaseUrl = config.general_settings?.database_url;
  if (storage.database_url === undefined && typeof databaseUrl === 'string') storage.database_url = databaseUrl;
  // Resolved here, with the environment only, as the backends are opened before any secret manager.
  const lookup = envLookup(env);
  const redisUrl = (await resolveStringRef(storage.redis_url, lookup)) || (await redisUrlFromSettings(config, env, lookup));
  if (redisUrl) storage.redis_url = redisUrl;
  return Object.keys(storage).length > 0 ? storage : undefined;
}

async function redisUrlFromSettings(config: SluiceConfig, env: NodeJS.ProcessEnv, lookup: RefLookup): Promise<string | undefined> {
  const r = config.router_settings ?? {};
  const url = await resolveStringRef(r.redis_url, lookup);
  if (url) return url;
  const host = (await resolveStringRef(r.redis_host, lookup)) ?? env.REDIS_HOST;
  if (!host) return undefined;
  const port = (await resolveStringRef(String(r.redis_port ?? ''), lookup)) || env.REDIS_PORT || '6379';
  const password = (await resolveStringRef(r.redis_password, lookup)) ?? env.REDIS_PASSWORD;
  return `redis://${password ? `:${encodeURIComponent(password)}@` : ''}${host}:${port}`;
}
