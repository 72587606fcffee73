/**
 * secrets-google-kms against a local Cloud KMS (test/support/fake-google-cloud.ts) that decrypts
 * with a key only it holds: the gateway starts with ciphertext in its environment and must run
 * on the plaintext.
 */
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGoogleCloud, type FakeGoogleCloud } from '../../../test/support/fake-google-cloud.js';
import type { MockOpenAI } from '../../../test/support/mock-openai.js';
import { chat, lastBearer, leakedValues, resolverOf, startGateway, startUpstream } from '../../../test/support/secret-manager-checks.js';
import { isBase64 } from '../src/index.js';

const PLUGIN = 'secrets-google-kms';
let fake: FakeGoogleCloud;
let upstream: MockOpenAI;

beforeAll(async () => {
  fake = await startFakeGoogleCloud();
  upstream = await startUpstream();
});
afterAll(async () => {
  await fake?.close();
  await upstream?.close();
});

describe('the fake Cloud KMS, driven by the official client', () => {
  it('decrypts what it encrypted for the named key, over REST, with a service account', async () => {
    const client = new KeyManagementServiceClient({ apiEndpoint: '127.0.0.1', port: Number(new URL(fake.url).port), protocol: 'http', fallback: true, keyFilename: fake.serviceAccountFile } as ConstructorParameters<typeof KeyManagementServiceClient>[0]);
    const [answer] = await client.decrypt({ name: fake.kmsKeyName, ciphertext: Buffer.from(fake.kmsEncrypt('plain words'), 'base64') });
    expect(Buffer.from(answer.plaintext as Uint8Array).toString()).toBe('plain words');
    expect(fake.requests.at(-1)!.pathname).toBe(`/v1/${fake.kmsKeyName}:decrypt`);
    expect(JSON.parse(fake.requests.at(-1)!.body)).toHaveProperty('ciphertext');
    await expect(client.decrypt({ name: fake.kmsKeyName, ciphertext: Buffer.from('not a ciphertext') })).rejects.toMatchObject({ code: 400 });
    await expect(client.decrypt({ name: `${fake.kmsKeyName}-other`, ciphertext: Buffer.from(fake.kmsEncrypt('x'), 'base64') })).rejects.toMatchObject({ code: 404 });
    expect(fake.authenticated.at(-1)).toBe('service_account');
  });
});

describe('secrets-google-kms in a gateway', () => {
  const masterKey = 'sk-kms-master-7f31aa';
  const apiKey = 'sk-kms-upstream-19c0de';

  it('decrypts os.environ references (the master key and a deployment api_key) at load', async () => {
    const gw = await startGateway(
      {
        model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: 'os.environ/OPENAI_API_KEY' } }],
        general_settings: { master_key: 'os.environ/LITELLM_MASTER_KEY', key_management_system: 'google_kms' },
        plugins: [{ use: PLUGIN, config: { api_endpoint: fake.url } }],
      } as never,
      {
        env: {
          GOOGLE_KMS_RESOURCE_NAME: fake.kmsKeyName,
          GOOGLE_APPLICATION_CREDENTIALS: fake.serviceAccountFile,
          // Ciphertext in the environment: `LITELLM_MASTER_KEY` itself is not read by
          // auth-master-key here, because the config names it through os.environ/ (resolved by KMS).
          LITELLM_MASTER_KEY: fake.kmsEncrypt(masterKey),
          OPENAI_API_KEY: fake.kmsEncrypt(apiKey),
          PLAIN_SETTING: 'not-base64-so-left-alone',
        },
      },
    );
    try {
      expect(gw.gateway.plugins.map((p) => p.id)).toContain(PLUGIN);
      const res = await chat(gw, masterKey);
      expect(res.status, res.text).toBe(200);
      expect(lastBearer(upstream)).toBe(apiKey);
      const resolver = resolverOf(gw, PLUGIN);
      expect(resolver.name).toBe('google_kms');
      // Values that are not ciphertext are not this manager's: the environment's value applies.
      await expect(resolver.get('PLAIN_SETTING')).resolves.toBeUndefined();
      await expect(resolver.get('UNSET_NAME')).resolves.toBeUndefined();
      expect(resolver.write).toBeUndefined();
      expect(resolver.refreshIntervalMs).toBeUndefined();
      // Decrypted once: KMS going away later changes nothing.
      fake.down = true;
      await expect(resolver.get('OPENAI_API_KEY')).resolves.toBe(apiKey);
      fake.down = false;
      expect(await leakedValues(gw, [apiKey], [])).toEqual([]);
      // The master key answers admin calls; it must not be in logs either.
      expect(gw.logs.join('\n')).not.toContain(masterKey);
    } finally {
      fake.down = false;
      await gw.close();
    }
  });

  it('leaves base64 values KMS cannot decrypt to the environment', async () => {
    const gw = await startGateway(
      {
        model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: 'os.environ/PLAIN_B64' } }],
        general_settings: { master_key: 'sk-plain-master-0001', key_management_system: 'google_kms' },
        plugins: [{ use: PLUGIN, config: { api_endpoint: fake.url } }],
      } as never,
      { env: { GOOGLE_KMS_RESOURCE_NAME: fake.kmsKeyName, GOOGLE_APPLICATION_CREDENTIALS: fake.serviceAccountFile, PLAIN_B64: 'c2stcGxhaW4=' } },
    );
    try {
      const res = await chat(gw, 'sk-plain-master-0001');
      expect(res.status, res.text).toBe(200);
      expect(lastBearer(upstream)).toBe('c2stcGxhaW4=');
    } finally {
      await gw.close();
    }
  });

  it("refuses to start without GOOGLE_KMS_RESOURCE_NAME, with LiteLLM's message", async () => {
    await expect(
      startGateway({ model_list: [], general_settings: { master_key: 'sk-x', key_management_system: 'google_kms' } } as never, { env: { GOOGLE_KMS_RESOURCE_NAME: '' } }),
    ).rejects.toThrow('Missing required environment variable - GOOGLE_KMS_RESOURCE_NAME');
  });

  it('recognises base64 as LiteLLM does', () => {
    expect(isBase64(fake.kmsEncrypt('x'))).toBe(true);
    expect(isBase64('sk-not-base64')).toBe(false);
    expect(isBase64('')).toBe(false);
  });
});
