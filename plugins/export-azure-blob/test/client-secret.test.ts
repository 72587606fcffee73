/**
 * azure_storage with a Microsoft Entra client secret (AZURE_STORAGE_TENANT_ID / CLIENT_ID /
 * CLIENT_SECRET) instead of the account key: Azurite over HTTPS with `--oauth basic` (it takes
 * bearer tokens over TLS only) and a local Entra token endpoint (fake-entra.ts). The pair is first
 * driven by the official SDKs alone (@azure/identity's ClientSecretCredential + @azure/storage-blob),
 * then by a gateway.
 *
 * TLS trust: both servers use a self-signed certificate; Node 20 reads extra CAs only at start and
 * the Azure SDK builds its own agents, so this file (vitest runs each file in its own process)
 * turns certificate checks off. The plugin itself does not.
 */
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

import { ClientSecretCredential } from '@azure/identity';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../../../test/support/fake-upstream.js';
import { MASTER_KEY, startGateway } from '../../../test/support/gateway.js';
import { killLeftovers, sleep } from '../../../test/support/processes.js';
import { selfSignedCert } from '../../../test/support/self-signed-cert.js';
import { DEV_ACCOUNT, startAzurite, type Azurite } from './azurite.js';
import { startFakeEntra, STORAGE_SCOPE, type FakeEntra } from './fake-entra.js';

let entra: FakeEntra;
let azurite: Azurite;
let upstream: FakeUpstream;

beforeAll(async () => {
  const cert = selfSignedCert();
  entra = await startFakeEntra(cert);
  azurite = await startAzurite({ tls: cert });
  upstream = await startFakeUpstream((_req, res) =>
    sendJson(res, 200, {
      id: 'chatcmpl-sp',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi from upstream' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 4, completion_tokens: 4, total_tokens: 8 },
    }),
  );
});

afterAll(async () => {
  await azurite?.stop();
  await entra?.close();
  await upstream?.close();
  await killLeftovers();
});

const authority = () => ({ authorityHost: entra.url, disableInstanceDiscovery: true });

function containerWith(secret: string, name: string): ContainerClient {
  const credential = new ClientSecretCredential(entra.tenantId, entra.clientId, secret, authority());
  return new BlobServiceClient(azurite.accountUrl, credential, { retryOptions: { maxTries: 1 } }).getContainerClient(name);
}

async function blobNames(container: ContainerClient): Promise<string[]> {
  if (!(await container.exists())) return [];
  const names: string[] = [];
  for await (const b of container.listBlobsFlat()) names.push(b.name);
  return names;
}

describe('the fake Entra endpoint and Azurite, through the official SDKs alone', () => {
  it('a client secret gets a Storage-scoped token that Azurite accepts', async () => {
    const container = containerWith(entra.clientSecret, 'sdk-oauth');
    await container.create();
    await container.getBlockBlobClient('2026-01-31/a.json').upload('{}\n', 3);
    expect(await blobNames(container)).toEqual(['2026-01-31/a.json']);
    expect(entra.requests.at(-1)).toEqual({ clientId: entra.clientId, scope: STORAGE_SCOPE, granted: true });
  });

  it('a wrong client secret gets no token, so nothing is written', async () => {
    await expect(containerWith('not-the-secret', 'sdk-oauth-denied').create()).rejects.toThrow(/AADSTS7000215|invalid_client/);
  });
});

describe('callbacks: ["azure_storage"] with AZURE_STORAGE_TENANT_ID / CLIENT_ID / CLIENT_SECRET', () => {
  const config = (extra: Record<string, unknown> = {}): SluiceConfig =>
    ({
      model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: 'sk-upstream' } }],
      general_settings: { master_key: MASTER_KEY },
      litellm_settings: { callbacks: ['azure_storage'] },
      // An authority Entra does not know (the local one) needs instance discovery off.
      plugins: [{ use: 'export-azure-blob', config: { disable_instance_discovery: true, ...extra } }],
    }) as SluiceConfig;

  const env = (extra: Record<string, string> = {}) => ({
    AZURE_STORAGE_ACCOUNT_NAME: DEV_ACCOUNT,
    AZURE_STORAGE_FILE_SYSTEM: 'sp-logs',
    AZURE_STORAGE_ACCOUNT_URL: azurite.accountUrl,
    AZURE_STORAGE_TENANT_ID: entra.tenantId,
    AZURE_STORAGE_CLIENT_ID: entra.clientId,
    AZURE_STORAGE_CLIENT_SECRET: entra.clientSecret,
    AZURE_AUTHORITY_HOST: entra.url,
    DEFAULT_FLUSH_INTERVAL_SECONDS: '0.2',
    ...extra,
  });

  it('logs with a bearer token from the client secret, and never logs the secret', async () => {
    const gw = await startGateway(config(), { env: env() });
    try {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'via entra' }] }),
      });
      expect(res.status).toBe(200);
      const id = res.headers.get('x-litellm-call-id')!;
      const container = containerWith(entra.clientSecret, 'sp-logs');
      const name = `${new Date().toISOString().slice(0, 10)}/${id}.json`;
      const end = Date.now() + 20_000;
      while (!(await blobNames(container)).includes(name)) {
        if (Date.now() > end) throw new Error(`no blob ${name}\n${gw.logs.slice(-20).join('\n')}`);
        await sleep(100);
      }
      const payload = JSON.parse((await container.getBlobClient(name).downloadToBuffer()).toString('utf8'));
      expect(payload).toMatchObject({ id, status: 'success', messages: [{ role: 'user', content: 'via entra' }] });
      expect(entra.requests.some((r) => r.granted && r.scope === STORAGE_SCOPE)).toBe(true);
      expect(gw.logs.join('\n')).toContain('client_secret');
      expect(gw.logs.join('\n')).not.toContain(entra.clientSecret);
    } finally {
      await gw.close();
    }
  });

  it('a client secret set half-way is refused at start with the missing variable named, as LiteLLM does', async () => {
    await expect(startGateway(config(), { env: env({ AZURE_STORAGE_CLIENT_ID: '' }) })).rejects.toThrow(/Missing required environment variable: AZURE_STORAGE_CLIENT_ID/);
  });
});
