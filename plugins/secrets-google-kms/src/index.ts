/**
 * LiteLLM's `google_kms` key management system: the environment holds ciphertext, Cloud KMS holds
 * the key. `os.environ/NAME` reads the environment value; when it is base64 (LiteLLM's
 * `_is_base64`: it round-trips), it is decrypted with GOOGLE_KMS_RESOURCE_NAME through the official
 * client (`@google-cloud/kms`) and the plaintext is the value. A value that is not base64, or that
 * KMS rejects as ciphertext, is not a secret of this manager: the environment's own value applies,
 * as LiteLLM falls back to `os.environ` when decryption fails.
 *
 * Values are decrypted once (ciphertext cannot change while the gateway runs), so there is no
 * refresh interval; a failed call to KMS before the first decryption is an error.
 */
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { definePlugin } from '@sluice/plugin-sdk';
import { secretManagerResolver } from '@sluice/plugin-sdk/node';
import manifest from '../plugin.json' with { type: 'json' };
import { googleClientOptions, isInvalidArgument } from '@sluice/plugin-sdk/node';
import type { SecretsGoogleKmsConfig } from './config.generated.js';

/** LiteLLM's `_is_base64`: decoding and encoding again gives the same text. */
export function isBase64(text: string): boolean {
  return text.length > 0 && Buffer.from(text, 'base64').toString('base64') === text;
}

export default definePlugin<SecretsGoogleKmsConfig>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  setup(ctx, config) {
    const keyName = config.resource_name;
    if (!keyName) throw new Error('Missing required environment variable - GOOGLE_KMS_RESOURCE_NAME');
    const client = new KeyManagementServiceClient(googleClientOptions(config) as ConstructorParameters<typeof KeyManagementServiceClient>[0]);
    ctx.log.info({ key: keyName }, 'decrypting environment values with Google Cloud KMS');
    const resolver = secretManagerResolver({
      name: 'google_kms',
      pluginId: manifest.id,
      settings: { hosted_keys: config.hosted_keys },
      cacheTtlMs: Number.POSITIVE_INFINITY,
      log: ctx.log,
      metrics: ctx.metrics,
      operations: {
        async read(name) {
          // A resolver plugin's ctx.secrets reads the gateway's environment only.
          const encrypted = await ctx.secrets.get(name);
          if (encrypted === undefined || !isBase64(encrypted)) return undefined;
          try {
            const [answer] = await client.decrypt({ name: keyName, ciphertext: Buffer.from(encrypted, 'base64') });
            const plaintext = answer.plaintext;
            if (plaintext === undefined || plaintext === null) return undefined;
            return typeof plaintext === 'string' ? Buffer.from(plaintext, 'base64').toString('utf8') : Buffer.from(plaintext).toString('utf8');
          } catch (err) {
            if (isInvalidArgument(err)) return undefined;
            throw err;
          }
        },
      },
    });
    // Encrypted environment values (DATABASE_URL, LITELLM_MASTER_KEY…) are decrypted where the gateway reads them.
    resolver.decryptsEnvironment = true;
    return { secretResolvers: [resolver], close: () => client.close() };
  },
});
