/** Where a deployment's credentials, region and endpoint come from, and what config load refuses. */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway } from '../../../test/support/gateway.js';
import { AWS_KEYS, AWS_PARAMS, CLAUDE_ID, CLEAN_AWS_ENV } from './support/bedrock-gateway.js';
import { DEFAULT_REPLY_TEXT, TEST_BEARER_TOKEN, TEST_CREDENTIALS, TEST_REGION, startFakeBedrock, type FakeBedrock } from './support/fake-bedrock.js';

let bedrock: FakeBedrock;

beforeAll(async () => {
  bedrock = await startFakeBedrock();
});

afterAll(async () => {
  await bedrock?.close();
});

async function chatThrough(litellmParams: Record<string, unknown>, env: Record<string, string> = {}): Promise<string | null | undefined> {
  const sluice = await startGateway(
    { model_list: [{ model_name: 'm', litellm_params: { model: `bedrock/${CLAUDE_ID}`, ...litellmParams } }], general_settings: { master_key: MASTER_KEY } },
    { env: { ...CLEAN_AWS_ENV, ...env } },
  );
  try {
    const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${sluice.url}/v1`, maxRetries: 0 });
    const res = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] });
    return res.choices[0]?.message.content;
  } finally {
    await sluice.close();
  }
}

describe('deployment settings', () => {
  it('signs with the environment credentials and region when litellm_params name none', async () => {
    const content = await chatThrough(
      { api_base: bedrock.url },
      {
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
        AWS_SESSION_TOKEN: TEST_CREDENTIALS.sessionToken,
        // LiteLLM reads AWS_REGION_NAME before AWS_REGION.
        AWS_REGION_NAME: TEST_REGION,
        AWS_REGION: 'us-east-1',
      },
    );
    expect(content).toBe(DEFAULT_REPLY_TEXT);
    expect(bedrock.requests.at(-1)!.headers.authorization).toContain(`${TEST_CREDENTIALS.accessKeyId}/`);
    expect(bedrock.requests.at(-1)!.headers.authorization).toContain(`/${TEST_REGION}/bedrock/aws4_request`);
  });

  it('prefers litellm_params credentials over the environment', async () => {
    const content = await chatThrough({ ...AWS_PARAMS, api_base: bedrock.url }, { AWS_ACCESS_KEY_ID: 'AKIAOTHER', AWS_SECRET_ACCESS_KEY: 'other-secret' });
    expect(content).toBe(DEFAULT_REPLY_TEXT);
  });

  it('takes aws_bedrock_runtime_endpoint as the endpoint', async () => {
    const content = await chatThrough({ ...AWS_PARAMS, aws_bedrock_runtime_endpoint: `${bedrock.url}/` });
    expect(content).toBe(DEFAULT_REPLY_TEXT);
  });

  it('uses AWS_BEARER_TOKEN_BEDROCK as a Bedrock API key', async () => {
    const content = await chatThrough({ api_base: bedrock.url }, { AWS_BEARER_TOKEN_BEDROCK: TEST_BEARER_TOKEN });
    expect(content).toBe(DEFAULT_REPLY_TEXT);
    expect(bedrock.requests.at(-1)!.auth).toBe('bearer');
  });

  it('signs for the default region us-west-2 when nothing names one (and the fake, in eu-west-1, refuses)', async () => {
    const err = await chatThrough({ ...AWS_KEYS, api_base: bedrock.url }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as Error).message).toContain('Credential should be scoped to a valid region and service (eu-west-1/bedrock), not us-west-2/bedrock.');
  });

  it('refuses to load a deployment without credentials, naming where they may come from', async () => {
    await expect(chatThrough({ api_base: bedrock.url })).rejects.toThrow(/no AWS credentials; set litellm_params aws_access_key_id and aws_secret_access_key/);
  });

  it('refuses half a key pair and the STS / profile settings it cannot honour', async () => {
    await expect(chatThrough({ aws_access_key_id: 'AKIAONLY', api_base: bedrock.url })).rejects.toThrow(/needs both aws_access_key_id and aws_secret_access_key/);
    await expect(chatThrough({ ...AWS_PARAMS, aws_role_name: 'arn:aws:iam::1:role/x', api_base: bedrock.url })).rejects.toThrow(/aws_role_name is not supported/);
  });

  it('refuses the invoke/ route for chat models at load: the deployment starts, is warned about, and answers 500', async () => {
    const g = await startGateway(
      { model_list: [{ model_name: 'm', litellm_params: { model: `bedrock/invoke/${CLAUDE_ID}`, ...AWS_PARAMS } }], general_settings: { master_key: MASTER_KEY } },
      { env: CLEAN_AWS_ENV },
    );
    try {
      expect(g.gateway.warnings).toContainEqual(expect.stringMatching(/^model_list\[0\] \(m\): .*the invoke\/ route is supported for embedding models only.*answers 500$/));
      const res = await fetch(`${g.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }) });
      expect(res.status).toBe(500);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/the invoke\/ route is supported for embedding models only/);
    } finally {
      await g.close();
    }
  });
});
