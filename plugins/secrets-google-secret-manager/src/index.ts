/**
 * LiteLLM's `google_secret_manager` key management system: `os.environ/NAME` reads
 * `projects/<GOOGLE_SECRET_MANAGER_PROJECT_ID>/secrets/NAME/versions/latest` with the official
 * client (`@google-cloud/secret-manager`), caches it for GOOGLE_SECRET_MANAGER_REFRESH_INTERVAL
 * seconds (LiteLLM's default 86400) unless GOOGLE_SECRET_MANAGER_ALWAYS_READ_SECRET_MANAGER is
 * `true`, and serves the last value while Secret Manager cannot be reached. A secret that does
 * not exist falls through to the environment, as LiteLLM falls back to `os.environ`.
 *
 * Writing is a Sluice addition (LiteLLM's Google manager only reads): a stored virtual key is a
 * secret (automatic replication, `description` and tags as annotations) with one version per
 * write; deleting it deletes the secret.
 */
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { definePlugin } from '@sluice/plugin-sdk';
import { secondsSetting, secretManagerResolver } from '@sluice/plugin-sdk/node';
import manifest from '../plugin.json' with { type: 'json' };
import { googleClientOptions, isAlreadyExists, isNotFound } from '@sluice/plugin-sdk/node';
import type { SecretsGoogleSecretManagerConfig } from './config.generated.js';

const VALID_ID = /^[a-zA-Z0-9_-]{1,255}$/;

/** A stored name as Secret Manager accepts it: every run of other characters becomes one dash. */
export function secretId(name: string): string {
  return name.replace(/[^a-zA-Z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 255);
}

export default definePlugin<SecretsGoogleSecretManagerConfig>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  setup(ctx, config) {
    const project = config.project_id;
    if (!project) throw new Error("Google Secret Manager requires a project ID, please set 'GOOGLE_SECRET_MANAGER_PROJECT_ID' in your .env");
    const client = new SecretManagerServiceClient(googleClientOptions(config) as ConstructorParameters<typeof SecretManagerServiceClient>[0]);
    const alwaysRead = config.always_read_secret_manager === true || String(config.always_read_secret_manager).toLowerCase() === 'true';
    const intervalS = secondsSetting(config.refresh_interval, 86_400);
    ctx.log.info({ project, refreshIntervalS: intervalS, alwaysRead }, 'reading secrets from Google Secret Manager');
    const resolver = secretManagerResolver({
      name: 'google_secret_manager',
      pluginId: manifest.id,
      settings: config,
      cacheTtlMs: alwaysRead ? 0 : intervalS * 1000,
      refreshIntervalMs: intervalS * 1000,
      log: ctx.log,
      metrics: ctx.metrics,
      operations: {
        async read(name) {
          if (!VALID_ID.test(name)) return undefined;
          try {
            const [version] = await client.accessSecretVersion({ name: `projects/${project}/secrets/${name}/versions/latest` });
            const data = version.payload?.data;
            if (data === undefined || data === null) return undefined;
            return typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
          } catch (err) {
            if (isNotFound(err)) return undefined;
            throw err;
          }
        },
        async write(name, value, meta) {
          const id = secretId(name);
          const annotations: Record<string, string> = { ...(meta.tags ?? {}) };
          if (meta.description) annotations.description = meta.description;
          try {
            await client.createSecret({ parent: `projects/${project}`, secretId: id, secret: { replication: { automatic: {} }, annotations } });
          } catch (err) {
            // A key regenerated under the same alias: a new version of the same secret.
            if (!isAlreadyExists(err)) throw err;
          }
          await client.addSecretVersion({ parent: `projects/${project}/secrets/${id}`, payload: { data: Buffer.from(value, 'utf8') } });
        },
        async remove(name) {
          try {
            await client.deleteSecret({ name: `projects/${project}/secrets/${secretId(name)}` });
          } catch (err) {
            if (!isNotFound(err)) throw err;
          }
        },
      },
    });
    return { secretResolvers: [resolver], close: () => client.close() };
  },
});
