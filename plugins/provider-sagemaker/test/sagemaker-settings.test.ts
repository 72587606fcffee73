/** Where a deployment's credentials, region and URL come from, what config load refuses, and LlamaGuard on SageMaker (the spec's example). */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, startGateway, tempDir } from '../../../test/support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from '../../../test/support/mock-openai.js';
import { DEFAULT_REPLY_TEXT, TEST_CREDENTIALS, TEST_REGION, startFakeSagemaker, type FakeSagemaker } from './support/fake-sagemaker.js';
import { AWS_PARAMS, CLEAN_AWS_ENV, TGI_ENDPOINT } from './support/sagemaker-gateway.js';

let sagemaker: FakeSagemaker;

beforeAll(async () => {
  sagemaker = await startFakeSagemaker();
});

afterAll(async () => {
  await sagemaker?.close();
});

beforeEach(() => {
  sagemaker.handler = undefined;
});

const ENV_KEYS = { AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey, AWS_SESSION_TOKEN: TEST_CREDENTIALS.sessionToken };

function config(litellmParams: Record<string, unknown>): SluiceConfig {
  return { model_list: [{ model_name: 'm', litellm_params: { model: `sagemaker/${TGI_ENDPOINT}`, ...litellmParams } }], general_settings: { master_key: MASTER_KEY } } as SluiceConfig;
}

async function chatThrough(litellmParams: Record<string, unknown>, env: Record<string, string> = {}): Promise<string | null | undefined> {
  const sluice = await startGateway(config(litellmParams), { env: { ...CLEAN_AWS_ENV, ...env } });
  try {
    const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${sluice.url}/v1`, maxRetries: 0 });
    const res = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] });
    return res.choices[0]?.message.content;
  } finally {
    await sluice.close();
  }
}

describe('deployment settings', () => {
  it('signs with the environment credentials when litellm_params name none; AWS_REGION overrides AWS_REGION_NAME, as in LiteLLM', async () => {
    const content = await chatThrough({ api_base: sagemaker.url }, { ...ENV_KEYS, AWS_REGION_NAME: 'us-east-1', AWS_REGION: TEST_REGION });
    expect(content).toBe(DEFAULT_REPLY_TEXT);
    expect(sagemaker.requests.at(-1)!.headers.authorization).toContain(`${TEST_CREDENTIALS.accessKeyId}/`);
    expect(sagemaker.requests.at(-1)!.headers.authorization).toContain(`/${TEST_REGION}/sagemaker/aws4_request`);
  });

  it('aws_region_name in litellm_params wins over the environment', async () => {
    const content = await chatThrough({ api_base: sagemaker.url, ...AWS_PARAMS }, { AWS_REGION: 'us-east-1' });
    expect(content).toBe(DEFAULT_REPLY_TEXT);
  });

  it('sagemaker_base_url is the whole invocation URL, as in LiteLLM', async () => {
    const content = await chatThrough({ ...AWS_PARAMS, sagemaker_base_url: `${sagemaker.url}/endpoints/elsewhere/invocations` });
    expect(content).toBe(DEFAULT_REPLY_TEXT);
    expect(sagemaker.requests.at(-1)!.path).toBe('/endpoints/elsewhere/invocations');
  });

  it('starts without credentials, and every call to that deployment answers 401 saying so', async () => {
    const sluice = await startGateway(config({ api_base: sagemaker.url }), { env: CLEAN_AWS_ENV });
    try {
      expect(sluice.gateway.warnings.join('\n')).toContain('Unable to locate credentials');
      const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${sluice.url}/v1`, maxRetries: 0 });
      const err = (await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect(err.status).toBe(401);
      expect(err.message).toContain('Unable to locate credentials');
    } finally {
      await sluice.close();
    }
  });

  it('a deployment with half a key pair or STS settings it cannot use starts and fails every call, naming the setting', async () => {
    for (const [params, text] of [
      [{ aws_access_key_id: 'AKIA' }, 'needs both aws_access_key_id and aws_secret_access_key'],
      [{ ...AWS_PARAMS, aws_role_name: 'arn:aws:iam::1:role/x' }, 'aws_role_name is not supported'],
    ] as const) {
      const sluice = await startGateway(config(params), { env: CLEAN_AWS_ENV });
      try {
        expect(sluice.gateway.warnings.join('\n')).toContain(text);
        const res = await fetch(`${sluice.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] }),
        });
        expect(res.status).toBe(500);
        expect(JSON.stringify(await res.json())).toContain(text);
      } finally {
        await sluice.close();
      }
    }
  });

  it('applies a prompt template given in litellm_params (roles, initial/final prompt values)', async () => {
    await chatThrough({
      api_base: sagemaker.url,
      ...AWS_PARAMS,
      initial_prompt_value: '<start>',
      roles: { user: { pre_message: '[U] ', post_message: ' [/U]' } },
      final_prompt_value: '\nAnswer:',
    });
    expect(sagemaker.requests.at(-1)!.body.inputs).toBe('<start>[U] Hi [/U]\nAnswer:');
  });
});

describe('LlamaGuard on a SageMaker endpoint (the spec’s llamaguard_moderations example)', () => {
  const GUARD = 'sagemaker/jumpstart-dft-meta-textgeneration-llama-guard-7b';
  let upstream: MockOpenAI;

  beforeAll(async () => {
    upstream = await startMockOpenAI();
  });
  afterAll(async () => {
    await upstream?.close();
  });

  function guardConfig(settings: Record<string, unknown>): SluiceConfig {
    return {
      model_list: [
        { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: 'sk-upstream' } },
        // Credentials from the environment, as the spec says; api_base points at the fake runtime.
        { model_name: GUARD, litellm_params: { model: GUARD, api_base: sagemaker.url } },
      ],
      general_settings: { master_key: MASTER_KEY },
      litellm_settings: { callbacks: ['llamaguard_moderations'], llamaguard_model_name: GUARD, ...settings },
    } as SluiceConfig;
  }

  async function ask(sluice: { url: string }, content: string) {
    const res = await fetch(`${sluice.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  it('asks the endpoint with LlamaGuard 7B’s own template and refuses what it calls unsafe', async () => {
    sagemaker.handler = (req) => ({ json: [{ generated_text: String(req.body.inputs).includes('User: how do I hotwire a car') ? ' unsafe\nO3' : ' safe' }] });
    const sluice = await startGateway(guardConfig({}), { env: { ...CLEAN_AWS_ENV, ...ENV_KEYS, AWS_REGION_NAME: TEST_REGION } });
    try {
      expect((await ask(sluice, 'hello there')).status).toBe(200);
      const sent = sagemaker.requests.at(-1)!;
      expect(sent.path).toBe('/endpoints/jumpstart-dft-meta-textgeneration-llama-guard-7b/invocations');
      const prompt = String(sent.body.inputs);
      expect(prompt.startsWith("[INST] Task: Check if there is unsafe content in 'User' messages in conversations according our safety policy")).toBe(true);
      expect(prompt).toContain('O1: Violence and Hate. \nShould not\n');
      expect(prompt).toContain('<BEGIN CONVERSATION>\n\nUser: hello there\n\n<END CONVERSATION>');
      expect(prompt.endsWith('- If unsafe, a second line must include a comma-separated list of violated categories. [/INST]')).toBe(true);

      const refused = await ask(sluice, 'how do I hotwire a car');
      expect(refused.status).toBe(400);
      expect(refused.json).toMatchObject({ error: { message: 'Violated content safety policy', type: 'bad_request_error', param: 'None' } });
    } finally {
      await sluice.close();
    }
  });

  it('works with the spec’s config as written: llamaguard_model_name names the endpoint, no model_list entry for it', async () => {
    sagemaker.handler = (req) => ({ json: [{ generated_text: String(req.body.inputs).includes('User: how do I hotwire a car') ? ' unsafe\nO3' : ' safe' }] });
    const spec = guardConfig({});
    spec.model_list = spec.model_list!.slice(0, 1);
    // Credentials and region from the environment; the AWS SDKs' endpoint setting points at the fake.
    const sluice = await startGateway(spec, { env: { ...CLEAN_AWS_ENV, ...ENV_KEYS, AWS_REGION_NAME: TEST_REGION, AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: sagemaker.url } });
    try {
      expect((await ask(sluice, 'hello there')).status).toBe(200);
      expect(sagemaker.requests.at(-1)!.path).toBe('/endpoints/jumpstart-dft-meta-textgeneration-llama-guard-7b/invocations');
      expect(String(sagemaker.requests.at(-1)!.body.inputs)).toContain('User: hello there');
      const refused = await ask(sluice, 'how do I hotwire a car');
      expect(refused.status).toBe(400);
      expect(refused.json).toMatchObject({ error: { message: 'Violated content safety policy' } });
    } finally {
      await sluice.close();
    }
  });

  it('with llamaguard_unsafe_content_categories, sends the guardrail’s prompt as it is', async () => {
    sagemaker.handler = () => ({ json: [{ generated_text: 'safe' }] });
    const file = join(tempDir(), 'llamaguard_prompt.txt');
    writeFileSync(file, 'O1: Pineapple on pizza.\nShould not\n- Recommend it.\n');
    const sluice = await startGateway(guardConfig({ llamaguard_unsafe_content_categories: relative(process.cwd(), file) }), {
      env: { ...CLEAN_AWS_ENV, ...ENV_KEYS, AWS_REGION: TEST_REGION },
    });
    try {
      expect((await ask(sluice, 'hello')).status).toBe(200);
      const prompt = String(sagemaker.requests.at(-1)!.body.inputs);
      expect(prompt).toContain('<BEGIN UNSAFE CONTENT CATEGORIES>\nO1: Pineapple on pizza.');
      expect(prompt).not.toContain('O2: Sexual Content');
      expect(prompt.match(/\[INST\] Task:/g)).toHaveLength(1);
    } finally {
      await sluice.close();
    }
  });
});
