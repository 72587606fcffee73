/**
 * AWS KMS decryption of config values (LiteLLM `key_management_system: aws_kms`), with the
 * official client `@aws-sdk/client-kms` and the SDK's default credential chain (LiteLLM:
 * `boto3.client("kms", region_name=AWS_REGION_NAME)`).
 *
 * `os.environ/NAME` resolves, in this order, as LiteLLM's `get_secret` and `decrypt_env_var` do:
 * 1. `LITELLM_SECRET_AWS_KMS_NAME` set: its value is a base64 KMS ciphertext → the plaintext;
 * 2. NAME's value starts with `aws_kms/`: the rest is a base64 ciphertext → the plaintext;
 * 3. NAME's value is base64: decrypted when KMS accepts it as a ciphertext; when KMS refuses it
 *    (or cannot be reached) the value is left to the environment as it is, as LiteLLM "defaults
 *    to the os.environ value".
 * A value marked as encrypted (1, 2) that cannot be decrypted rejects: the reference is unreadable
 * rather than silently the ciphertext. The plaintext is trimmed (LiteLLM strips it). Decrypted
 * values are kept for the gateway's life, by ciphertext: the environment does not change while it runs.
 */
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { definePlugin, definePluginErrors, type SecretResolver } from '@sluice/plugin-sdk';
import manifest from '../plugin.json' with { type: 'json' };
import type { SecretsAwsKmsConfig } from './config.generated.js';

export const RESOLVER_NAME = 'aws_kms';
export const ENV_PREFIX = 'LITELLM_SECRET_AWS_KMS_';
export const VALUE_PREFIX = 'aws_kms/';

export const errors = definePluginErrors('SECRETS_AWS_KMS', {
  NOT_BASE64: { status: 500, type: 'internal_server_error', message: 'AWS KMS - the encrypted value of {name} is not base64.' },
  DECRYPT_FAILED: { status: 500, type: 'internal_server_error', message: 'AWS KMS - could not decrypt {name}: {reason}' },
});

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export default definePlugin<SecretsAwsKmsConfig>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  setup(ctx, config) {
    if (!config.aws_region_name) ctx.log.warn('Missing required environment variable - AWS_REGION_NAME');
    const client = new KMSClient({
      region: config.aws_region_name,
      ...(config.endpoint_url ? { endpoint: config.endpoint_url } : {}),
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 },
    });
    const hosted = config.hosted_keys ? new Set(config.hosted_keys) : undefined;
    const plaintexts = new Map<string, Promise<string>>();

    const decrypt = (ciphertext: string): Promise<string> => {
      let pending = plaintexts.get(ciphertext);
      if (!pending) {
        pending = client.send(new DecryptCommand({ CiphertextBlob: Buffer.from(ciphertext, 'base64') })).then((out) => Buffer.from(out.Plaintext ?? new Uint8Array()).toString('utf8').trim());
        // A failure is not remembered: the next lookup asks again.
        pending.catch(() => plaintexts.delete(ciphertext));
        plaintexts.set(ciphertext, pending);
      }
      return pending;
    };

    const reason = (err: unknown) => (err instanceof Error ? `${err.name}${err.message ? `: ${err.message}` : ''}` : String(err));

    async function marked(name: string, ciphertext: string): Promise<string> {
      if (!BASE64.test(ciphertext)) throw errors.NOT_BASE64({ name });
      try {
        const plaintext = await decrypt(ciphertext);
        ctx.secrets.redact(plaintext);
        return plaintext;
      } catch (err) {
        throw errors.DECRYPT_FAILED({ name, reason: reason(err) }, { cause: err });
      }
    }

    const resolver: SecretResolver = {
      name: RESOLVER_NAME,
      decryptsEnvironment: true,
      async get(name) {
        if (config.access_mode === 'write_only' || (hosted && !hosted.has(name))) return undefined;
        const prefixed = await ctx.secrets.get(`${ENV_PREFIX}${name}`);
        if (prefixed) return marked(`${ENV_PREFIX}${name}`, prefixed);
        const raw = await ctx.secrets.get(name);
        if (!raw) return undefined;
        if (raw.startsWith(VALUE_PREFIX)) return marked(name, raw.slice(VALUE_PREFIX.length));
        // Only values that could be a ciphertext are sent to KMS (LiteLLM: "only check the tokens
        // which start with aws_kms/... prevents latency impact"); the shortest KMS blob is far longer.
        if (raw.length < 64 || !BASE64.test(raw)) return undefined;
        try {
          const plaintext = await decrypt(raw);
          ctx.secrets.redact(plaintext);
          return plaintext;
        } catch (err) {
          ctx.log.debug({ name, err: reason(err) }, 'not decryptable with AWS KMS: using the environment value as it is');
          return undefined;
        }
      },
    };
    ctx.log.info({ region: config.aws_region_name, endpoint: config.endpoint_url, hosted_keys: config.hosted_keys?.length }, 'AWS KMS secret resolver ready');
    return {
      secretResolvers: [resolver],
      async close() {
        client.destroy();
      },
    };
  },
});
