/**
 * AWS Secrets Manager as the gateway's secret manager (LiteLLM `key_management_system:
 * aws_secret_manager`), with the official client `@aws-sdk/client-secrets-manager`.
 *
 * Reading: `os.environ/NAME` → GetSecretValue(NAME), or NAME's entry in the JSON object of
 * `primary_secret_name`; `hosted_keys` limits which names are asked for; `access_mode: write_only`
 * reads nothing. Values are cached for `refresh_interval` seconds and served stale while the
 * service cannot be reached (secret-cache.ts).
 *
 * Writing (`store_virtual_keys` with `access_mode` write_only or read_and_write): a virtual key is
 * stored as `<prefix_for_stored_virtual_keys><name>` with CreateSecret (Description, Tags,
 * KmsKeyId), as LiteLLM does; an existing secret gets a new version (PutSecretValue); one scheduled
 * for deletion is restored and updated (RestoreSecret, UpdateSecret, TagResource), as LiteLLM's
 * `_async_create_or_restore_secret` does. Deleting schedules the deletion with LiteLLM's 7-day
 * recovery window (DeleteSecret RecoveryWindowInDays 7), not ForceDeleteWithoutRecovery.
 * A key of a team whose `secret_manager_settings` name AWS auth fields (another region, a role to
 * assume) is written and deleted with a client built from them, as LiteLLM's optional_params.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ReplicateSecretToRegionsCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { definePlugin, definePluginErrors, type SecretResolver, type SecretWriteMeta } from '@sluice/plugin-sdk';
import manifest from '../plugin.json' with { type: 'json' };
import { awsCredentials, type AwsAuthSettings } from './aws-credentials.js';
import type { SecretsAwsSecretsManagerConfig } from './config.generated.js';
import { StaleServingSecretCache, errorMessage } from '@sluice/plugin-sdk/node';

export const RESOLVER_NAME = 'aws_secret_manager';

export const errors = definePluginErrors('SECRETS_AWS_SECRETS_MANAGER', {
  WRITE_FAILED: { status: 502, type: 'api_error', message: 'Could not store {name} in AWS Secrets Manager: {reason}' },
  DELETE_FAILED: { status: 502, type: 'api_error', message: 'Could not delete {name} from AWS Secrets Manager: {reason}' },
  PRIMARY_SECRET_NOT_JSON: { status: 500, type: 'internal_server_error', message: 'The primary secret {name} is not a JSON object of NAME: value pairs.' },
});

/** The names LiteLLM never asks the manager for: the client needs them to reach it. */
const OWN_CREDENTIALS = new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION_NAME', 'AWS_REGION', 'AWS_BEDROCK_RUNTIME_ENDPOINT']);

/** The fields of a team's secret_manager_settings this manager applies (LiteLLM's AWS auth parameters). */
const TEAM_AUTH_FIELDS = ['aws_region_name', 'aws_role_name', 'aws_session_name', 'aws_external_id', 'aws_profile_name', 'aws_web_identity_token', 'aws_sts_endpoint'] as const;

/** LiteLLM's recovery window when a stored key is deleted (async_delete_secret's default). */
const RECOVERY_WINDOW_DAYS = 7;

export default definePlugin<SecretsAwsSecretsManagerConfig>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  setup(ctx, config) {
    const accessMode = config.access_mode ?? 'read_only';
    const reads = accessMode !== 'write_only';
    const writes = config.store_virtual_keys === true && accessMode !== 'read_only';
    const prefix = config.prefix_for_stored_virtual_keys ?? 'litellm/';
    const hosted = config.hosted_keys ? new Set(config.hosted_keys) : undefined;
    const refreshMs = Number(config.refresh_interval ?? 86_400) * 1000;
    if (!config.aws_region_name) {
      ctx.log.warn(
        'No AWS region found in environment. Ensure aws_region_name is set in key_management_settings or AWS_REGION_NAME/AWS_REGION/AWS_DEFAULT_REGION is set in environment.',
      );
    }
    const clientOf = (auth: AwsAuthSettings) => {
      const { provider, method } = awsCredentials(auth);
      const sm = new SecretsManagerClient({
        region: auth.aws_region_name,
        ...(config.endpoint_url ? { endpoint: config.endpoint_url } : {}),
        ...(provider ? { credentials: provider } : {}),
        requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 },
      });
      return { sm, method };
    };
    const { sm: client, method } = clientOf(config);
    /**
     * LiteLLM's team-level settings (`SecretWriteMeta.settings`, a team's
     * `metadata.secret_manager_settings`): its `aws_*` fields override the configured ones for that
     * team's keys (`_prepare_request`: the optional_params' value, else the instance's), e.g.
     * another region or a role to assume. One client per distinct combination, kept.
     */
    const teamClients = new Map<string, SecretsManagerClient>();
    const clientFor = (meta: SecretWriteMeta | undefined): SecretsManagerClient => {
      const own: AwsAuthSettings = {};
      for (const field of TEAM_AUTH_FIELDS) {
        const v = meta?.settings?.[field];
        if (typeof v === 'string' && v !== '') own[field] = v;
      }
      if (Object.keys(own).length === 0) return client;
      const merged: AwsAuthSettings = { ...Object.fromEntries(TEAM_AUTH_FIELDS.map((f) => [f, config[f]]).filter(([, v]) => v)), ...own };
      const id = JSON.stringify(TEAM_AUTH_FIELDS.map((f) => merged[f] ?? null));
      let sm = teamClients.get(id);
      if (!sm) {
        sm = clientOf(merged).sm;
        teamClients.set(id, sm);
      }
      return sm;
    };
    const staleServed = ctx.metrics
      .counter('aws_secret_manager_stale_reads_total', { help: 'Secret reads answered from the cache because AWS Secrets Manager could not be read' })
      .series();
    const cache = new StaleServingSecretCache(readSecretString, { ttlMs: refreshMs, now: () => ctx.now(), log: ctx.log, staleServed, manager: 'AWS Secrets Manager' });

    /** SecretString of one secret; undefined when there is no such secret. */
    async function readSecretString(secretId: string): Promise<string | undefined> {
      try {
        const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
        return out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
      } catch (err) {
        if ((err as { name?: string }).name === 'ResourceNotFoundException') return undefined;
        throw err;
      }
    }

    async function get(name: string): Promise<string | undefined> {
      if (!reads || OWN_CREDENTIALS.has(name)) return undefined;
      if (hosted && !hosted.has(name)) return undefined;
      if (!config.primary_secret_name) return cache.get(name);
      const primary = await cache.get(config.primary_secret_name);
      if (primary === undefined) return undefined;
      let pairs: unknown;
      try {
        pairs = JSON.parse(primary);
      } catch {
        pairs = undefined;
      }
      if (!pairs || typeof pairs !== 'object' || Array.isArray(pairs)) throw errors.PRIMARY_SECRET_NOT_JSON({ name: config.primary_secret_name });
      const value = (pairs as Record<string, unknown>)[name];
      if (value === undefined || value === null) return undefined;
      return typeof value === 'string' ? value : JSON.stringify(value);
    }

    const storedName = (name: string) => (name.startsWith(prefix) ? name : `${prefix}${name}`);

    async function write(name: string, value: string, meta?: SecretWriteMeta): Promise<void> {
      const secretId = storedName(name);
      const sm = clientFor(meta);
      const description = meta?.description ?? config.description;
      const tagMap = { ...config.tags, ...meta?.tags };
      const tags = Object.entries(tagMap).map(([Key, Value]) => ({ Key, Value: String(Value) }));
      try {
        await sm.send(
          new CreateSecretCommand({
            Name: secretId,
            SecretString: value,
            ...(description ? { Description: description } : {}),
            ...(config.kms_key_id ? { KmsKeyId: config.kms_key_id } : {}),
            ...(tags.length ? { Tags: tags } : {}),
          }),
        );
        await replicate(sm, secretId);
      } catch (err) {
        const code = (err as { name?: string }).name;
        try {
          if (code === 'ResourceExistsException') {
            await sm.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
          } else if (code === 'InvalidRequestException' && (await scheduledForDeletion(sm, secretId))) {
            ctx.log.info({ secret: secretId }, 'the secret is scheduled for deletion: restoring it and updating it in place');
            await sm.send(new RestoreSecretCommand({ SecretId: secretId }));
            await sm.send(
              new UpdateSecretCommand({ SecretId: secretId, SecretString: value, ...(description ? { Description: description } : {}), ...(config.kms_key_id ? { KmsKeyId: config.kms_key_id } : {}) }),
            );
            if (tags.length) await sm.send(new TagResourceCommand({ SecretId: secretId, Tags: tags }));
          } else {
            throw err;
          }
        } catch (inner) {
          throw errors.WRITE_FAILED({ name: secretId, reason: errorMessage(inner) }, { cause: inner });
        }
      }
      // Reads use the configured client: a secret a team's settings put elsewhere is not theirs to answer.
      if (sm === client) cache.set(secretId, value);
      ctx.log.info({ secret: secretId, ...(sm !== client && { team_settings: true }) }, 'stored a secret in AWS Secrets Manager');
    }

    async function scheduledForDeletion(sm: SecretsManagerClient, secretId: string): Promise<boolean> {
      try {
        return (await sm.send(new DescribeSecretCommand({ SecretId: secretId }))).DeletedDate !== undefined;
      } catch {
        return false;
      }
    }

    async function replicate(sm: SecretsManagerClient, secretId: string): Promise<void> {
      if (!config.replica_regions?.length) return;
      try {
        await sm.send(new ReplicateSecretToRegionsCommand({ SecretId: secretId, AddReplicaRegions: config.replica_regions.map((Region) => ({ Region })) }));
      } catch (err) {
        ctx.log.warn({ secret: secretId, regions: config.replica_regions, err: errorMessage(err) }, 'could not replicate the secret; it was created in the primary region');
      }
    }

    async function remove(name: string, meta?: SecretWriteMeta): Promise<void> {
      const secretId = storedName(name);
      const sm = clientFor(meta);
      try {
        await sm.send(new DeleteSecretCommand({ SecretId: secretId, RecoveryWindowInDays: RECOVERY_WINDOW_DAYS }));
      } catch (err) {
        if ((err as { name?: string }).name !== 'ResourceNotFoundException') {
          throw errors.DELETE_FAILED({ name: secretId, reason: errorMessage(err) }, { cause: err });
        }
      }
      if (sm === client) cache.forget(secretId);
      ctx.log.info({ secret: secretId }, 'scheduled a secret for deletion in AWS Secrets Manager');
    }

    const resolver: SecretResolver = {
      name: RESOLVER_NAME,
      get,
      ...(writes ? { write, remove } : {}),
      ...(reads ? { refreshIntervalMs: refreshMs } : {}),
    };
    ctx.log.info(
      { region: config.aws_region_name, credentials: method, access_mode: accessMode, store_virtual_keys: writes, endpoint: config.endpoint_url },
      'AWS Secrets Manager secret resolver ready',
    );
    return {
      secretResolvers: [resolver],
      async close() {
        client.destroy();
        for (const sm of teamClients.values()) sm.destroy();
      },
    };
  },
});
