/**
 * LiteLLM's `azure_key_vault` key management system: `os.environ/NAME` references read from Azure
 * Key Vault through the official SDK (`@azure/keyvault-secrets` + `@azure/identity`), cached for
 * `refresh_interval` seconds, the last value served while the vault cannot be reached.
 *
 * Names: LiteLLM asks the vault for the name exactly as written (its docs use
 * `os.environ/AZURE-API-KEY`), so does this plugin. Key Vault accepts only letters, digits and
 * dashes: a name with other characters can never be in a vault, so it is not asked for and falls
 * through to the environment (LiteLLM reaches the same value by falling back to `os.environ` on
 * the vault's error). Stored virtual keys (`litellm/<alias>`) are written with every other
 * character turned into a dash (`litellm-<alias>`).
 */
import { ClientCertificateCredential, ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { definePlugin } from '@sluice/plugin-sdk';
import { secondsSetting, secretManagerResolver } from '@sluice/plugin-sdk/node';
import manifest from '../plugin.json' with { type: 'json' };
import type { SecretsAzureKeyVaultConfig } from './config.generated.js';

const VALID_NAME = /^[0-9a-zA-Z-]{1,127}$/;

/** A stored name as Key Vault accepts it: every run of other characters becomes one dash. */
export function keyVaultName(name: string): string {
  return name.replace(/[^0-9a-zA-Z-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 127);
}

function statusOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && typeof (err as { statusCode?: unknown }).statusCode === 'number' ? (err as { statusCode: number }).statusCode : undefined;
}

export function credentialFor(config: SecretsAzureKeyVaultConfig): { credential: TokenCredential; kind: string } {
  const authority = { ...(config.authority_host ? { authorityHost: config.authority_host } : {}), disableInstanceDiscovery: config.disable_instance_discovery ?? false };
  let kind = config.credential ?? 'auto';
  if (kind === 'auto') {
    if (config.tenant_id && config.client_id && config.client_secret) kind = 'client_secret';
    else if (config.tenant_id && config.client_id && config.client_certificate_path) kind = 'client_certificate';
    else kind = 'default';
  }
  const need = (field: keyof SecretsAzureKeyVaultConfig, env: string): string => {
    const v = config[field];
    if (typeof v !== 'string' || v === '') throw new Error(`azure_key_vault: credential ${kind} needs ${field} (${env})`);
    return v;
  };
  switch (kind) {
    case 'client_secret':
      return { kind, credential: new ClientSecretCredential(need('tenant_id', 'AZURE_TENANT_ID'), need('client_id', 'AZURE_CLIENT_ID'), need('client_secret', 'AZURE_CLIENT_SECRET'), authority) };
    case 'client_certificate':
      return {
        kind,
        credential: new ClientCertificateCredential(
          need('tenant_id', 'AZURE_TENANT_ID'),
          need('client_id', 'AZURE_CLIENT_ID'),
          { certificatePath: need('client_certificate_path', 'AZURE_CLIENT_CERTIFICATE_PATH'), ...(config.client_certificate_password ? { certificatePassword: config.client_certificate_password } : {}) },
          authority,
        ),
      };
    case 'managed_identity':
      // The endpoint comes from the platform's environment (IDENTITY_ENDPOINT/IDENTITY_HEADER on App
      // Service, IMDS on a VM), read by the SDK itself.
      return { kind, credential: config.client_id ? new ManagedIdentityCredential({ clientId: config.client_id }) : new ManagedIdentityCredential() };
    default:
      return { kind: 'default', credential: new DefaultAzureCredential(authority) };
  }
}

export default definePlugin<SecretsAzureKeyVaultConfig>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  setup(ctx, config) {
    if (!config.vault_uri) throw new Error('Error when loading keys from Azure Key Vault: AZURE_KEY_VAULT_URI is not set.');
    const { credential, kind } = credentialFor(config);
    const client = new SecretClient(config.vault_uri, credential, {
      disableChallengeResourceVerification: config.disable_challenge_resource_verification ?? false,
      // A lookup blocks config resolution; a stale value is served when it fails, so fail soon.
      retryOptions: { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 2000 },
    });
    const ttlMs = secondsSetting(config.refresh_interval, 86_400) * 1000;
    ctx.log.info({ vault: config.vault_uri, credential: kind, refreshIntervalS: ttlMs / 1000 }, 'reading secrets from Azure Key Vault');
    const resolver = secretManagerResolver({
      name: 'azure_key_vault',
      pluginId: manifest.id,
      settings: config,
      cacheTtlMs: ttlMs,
      log: ctx.log,
      metrics: ctx.metrics,
      operations: {
        async read(name) {
          if (!VALID_NAME.test(name)) return undefined;
          try {
            return (await client.getSecret(name)).value;
          } catch (err) {
            // 404 SecretNotFound; 403 on a disabled secret is an error worth seeing.
            if (statusOf(err) === 404) return undefined;
            throw err;
          }
        },
        async write(name, value, meta) {
          const tags: Record<string, string> = { ...(meta.tags ?? {}) };
          if (meta.description) tags.description = meta.description.slice(0, 256);
          await client.setSecret(keyVaultName(name), value, { tags, contentType: 'text/plain' });
        },
        async remove(name) {
          const vaultName = keyVaultName(name);
          try {
            const poller = await client.beginDeleteSecret(vaultName, { intervalInMs: 250 });
            await poller.pollUntilDone();
          } catch (err) {
            if (statusOf(err) === 404) return;
            throw err;
          }
          if (config.purge_deleted_secrets) await client.purgeDeletedSecret(vaultName);
        },
      },
    });
    return { secretResolvers: [resolver] };
  },
});
