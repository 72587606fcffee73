/**
 * The LiteLLM Enterprise spec's examples for the policy plugins, run as the spec shows them: its
 * config.yaml (as YAML), its requests (bodies byte for byte where the size matters), its expected
 * status and body. `litellm` reads as `sluice`. Where a curl example sends no key, the request
 * carries the master key: Sluice always authenticates, and the point of each example is the policy.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../kernel/config/read-config-file.js';
import { startGateway, type TestGateway } from './support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from './support/mock-openai.js';
import { pluginSource, writeTestPlugin } from './support/test-plugins.js';

/** The spec's examples authenticate with `master_key: sk-1234`, used here as written. */
const SPEC_MASTER_KEY = 'sk-1234';

function specConfig(yaml: string) {
  return parseConfigText(yaml).config;
}

/** `gpt-3.5-turbo` served by a local OpenAI-compatible mock answering like the spec's example. */
function gpt35(upstream: MockOpenAI): string {
  return `model_list:
  - model_name: gpt-3.5-turbo
    litellm_params:
      model: openai/gpt-3.5-turbo-0125
      api_key: sk-upstream
      api_base: ${upstream.url}
`;
}

function post(gw: TestGateway, path: string, key: string | undefined, body: string): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (key) headers.Authorization = `Bearer ${key}`;
  return fetch(`${gw.url}${path}`, { method: 'POST', headers, body });
}

let upstream: MockOpenAI;
beforeAll(async () => {
  upstream = await startMockOpenAI({ reply: 'Hello! How can I assist you today?' });
});
afterAll(async () => {
  await upstream?.close();
});

describe('spec: Blocking web crawlers', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(specConfig(`general_settings:\n  block_robots: true\n`));
  });
  afterAll(() => gw?.close());

  it('GET /robots.txt answers 200 with the spec\'s content', async () => {
    const res = await fetch(`${gw.url}/robots.txt`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('User-agent: *\nDisallow: /');
  });
});

describe('spec: Required Params for LLM Requests', () => {
  // Step 2's requests, verbatim. The spec's responses end in `%`: zsh's mark for a missing newline.
  const NO_USER = `{
"model": "gpt-3.5-turbo",
"messages": [
{
"role": "user",
"content": "hi"
}
]
}`;
  const NO_GENERATION_NAME = `{
"model": "gpt-3.5-turbo",
"user": "gm",
"messages": [
{
"role": "user",
"content": "hi"
}
],
"metadata": {}
}`;
  const VALID = `{
"model": "gpt-3.5-turbo",
"user": "gm",
"messages": [
{
"role": "user",
"content": "hi"
}
],
"metadata": {"generation_name": "prod-app"}
}`;
  const MISSING_USER_BODY =
    '{"error":{"message":"Authentication Error, BadRequest please pass param=user in request body. This is a required param","type":"auth_error","param":"None","code":"401"}}';
  const MISSING_GENERATION_NAME_BODY =
    '{"error":{"message":"Authentication Error, BadRequest please pass param=[metadata][generation_name] in request body. This is a required param","type":"auth_error","param":"None","code":"401"}}';

  async function expectSpecAnswers(gw: TestGateway, key: string) {
    const before = upstream.requests.length;
    const noUser = await post(gw, '/chat/completions', key, NO_USER);
    expect(noUser.status).toBe(401);
    expect(await noUser.text()).toBe(MISSING_USER_BODY);

    const noName = await post(gw, '/chat/completions', key, NO_GENERATION_NAME);
    expect(noName.status).toBe(401);
    expect(await noName.text()).toBe(MISSING_GENERATION_NAME_BODY);
    expect(upstream.requests.length).toBe(before); // refused before any provider call

    const valid = await post(gw, '/chat/completions', key, VALID);
    expect(valid.status).toBe(200);
    const json = (await valid.json()) as { object: string; choices: { finish_reason: string; index: number; message: { content: string; role: string } }[] };
    expect(json.object).toBe('chat.completion');
    expect(json.choices[0]).toEqual({ finish_reason: 'stop', index: 0, message: { content: 'Hello! How can I assist you today?', role: 'assistant' } });
    const sent = upstream.requests.at(-1)!;
    expect(sent.body.user).toBe('gm');
    expect(sent.body).not.toHaveProperty('metadata'); // checked in preCall, before the kernel strips it
  }

  describe('Set on Config', () => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await startGateway(
        specConfig(`${gpt35(upstream)}general_settings:
  master_key: sk-1234
  enforced_params:
    - user
    - metadata.generation_name
`),
      );
    });
    afterAll(() => gw?.close());

    it('answers the three requests of Step 2 as the spec shows', async () => {
      await expectSpecAnswers(gw, SPEC_MASTER_KEY);
    });
  });

  describe('Set on Key', () => {
    // The spec creates sk-5fmYeaUEbAMpwBNT-QpxyA with /key/generate {"enforced_params": [...]}.
    // Virtual keys are not built yet; this auth plugin hands out the principal such a key will
    // have, with the key's enforced_params in its metadata.
    const KEY = 'sk-5fmYeaUEbAMpwBNT-QpxyA';
    const keyPlugin = writeTestPlugin({
      id: 'auth-spec-virtual-key',
      hooks: { preAuth: { stage: 'AUTH' } },
      source: pluginSource(`return { preAuth: async (input) => input.token === ${JSON.stringify(KEY)}
        ? { id: 'spec-key', authenticatedBy: '__ID__', role: 'internal_user', metadata: { enforced_params: ['user', 'metadata.generation_name'] } }
        : undefined };`),
    });
    let gw: TestGateway;
    beforeAll(async () => {
      const config = specConfig(`${gpt35(upstream)}general_settings:\n  master_key: sk-1234\n`);
      gw = await startGateway({ ...config, plugins: [{ use: 'auth-spec-virtual-key' }] }, { extraPluginDirs: [keyPlugin] });
    });
    afterAll(() => gw?.close());

    it('answers the three requests of Step 2 as the spec shows, for the key that enforces them', async () => {
      await expectSpecAnswers(gw, KEY);
    });

    it('other keys are not bound by that key\'s params', async () => {
      const res = await post(gw, '/chat/completions', SPEC_MASTER_KEY, NO_USER);
      expect(res.status).toBe(200);
    });
  });
});

describe('spec: Enable Blocked User Lists', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(
      specConfig(`${gpt35(upstream)}general_settings:
  master_key: sk-1234
litellm_settings:
  callbacks: ["blocked_user_check"]
  blocked_user_list: ["user_id_1", "user_id_2"]
`),
    );
  });
  afterAll(() => gw?.close());

  const BLOCKED_BODY = '{"error":{"message":"User blocked from making LLM API Calls. User=user_id_1","type":"bad_request_error","param":"None","code":"400"}}';

  it('the OpenAI Python example (here the openai SDK) with user="user_id_1" is refused with 400', async () => {
    const client = new OpenAI({ apiKey: SPEC_MASTER_KEY, baseURL: gw.url, maxRetries: 0 });
    const before = upstream.requests.length;
    const err = await client.chat.completions
      .create({ model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: 'this is a test request, write a short poem' }], user: 'user_id_1' })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).status).toBe(400);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).error).toEqual(JSON.parse(BLOCKED_BODY).error);
    expect(upstream.requests.length).toBe(before);
  });

  it('the curl example is refused with 400 (its `# this is also an openai supported param` comment is not JSON and is left out)', async () => {
    const res = await post(
      gw,
      '/chat/completions',
      SPEC_MASTER_KEY,
      ` {
"model": "gpt-3.5-turbo",
"messages": [
{
"role": "user",
"content": "what llm are you"
}
],
"user": "user_id_1"
}
`,
    );
    expect(res.status).toBe(400);
    expect(await res.text()).toBe(BLOCKED_BODY);
  });

  it('a user not on the list goes through', async () => {
    const res = await post(gw, '/chat/completions', SPEC_MASTER_KEY, JSON.stringify({ model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: 'what llm are you' }], user: 'user_id_3' }));
    expect(res.status).toBe(200);
  });
});

describe('spec: Enable Banned Keywords List', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(
      specConfig(`${gpt35(upstream)}general_settings:
  master_key: sk-1234
litellm_settings:
  callbacks: ["banned_keywords"]
  banned_keywords_list: ["hello"]
`),
    );
  });
  afterAll(() => gw?.close());

  it('"Hello world!" is refused with 400 Keyword banned. Keyword=hello', async () => {
    const before = upstream.requests.length;
    const res = await post(
      gw,
      '/chat/completions',
      SPEC_MASTER_KEY,
      ` {
"model": "gpt-3.5-turbo",
"messages": [
{
"role": "user",
"content": "Hello world!"
}
]
}
`,
    );
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('{"error":{"message":"Keyword banned. Keyword=hello","type":"bad_request_error","param":"None","code":"400"}}');
    expect(upstream.requests.length).toBe(before);
  });
});

describe('spec: Set Max Request / Response Size on LiteLLM Proxy', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // Step 1's config as written (the upstream is never reached: the request is refused first).
    gw = await startGateway(
      specConfig(`model_list:
  - model_name: fake-openai-endpoint
    litellm_params:
      model: openai/fake
      api_key: fake-key
      api_base: https://exampleopenaiendpoint-production.up.railway.app/

general_settings:
  master_key: sk-1234

  # Security controls
  max_request_size_mb: 0.000000001 # <- Key Change - Max Request Size in MB. Set this very low for testing
  max_response_size_mb: 100 # <- Key Change - Max Response Size in MB
`),
    );
  });
  afterAll(() => gw?.close());

  it('Step 2\'s request (118 bytes, as curl -d sends it) gets the spec\'s exact error', async () => {
    // The -d argument exactly as the LiteLLM docs indent it; curl sends it unchanged.
    const body = `{
    "model": "fake-openai-endpoint",
    "messages": [
      {"role": "user", "content": "Hello, Claude!"}
    ]
  }`;
    expect(Buffer.byteLength(body)).toBe(118);
    const res = await post(gw, '/v1/chat/completions', SPEC_MASTER_KEY, body);
    expect(res.status).toBe(400);
    expect(await res.text()).toBe(
      '{"error":{"message":"Request size is too large. Request size is 0.0001125335693359375 MB. Max size is 1e-09 MB","type":"bad_request_error","param":"content-length","code":"400"}}',
    );
  });
});

describe('issue 6: required params and blocked users are enforced before any spend is reserved', () => {
  let gw: TestGateway;
  let key: string;
  beforeAll(async () => {
    gw = await startGateway(
      specConfig(`${gpt35(upstream)}litellm_settings:
  callbacks: ["blocked_user_check"]
  blocked_user_list: ["user_id_1"]
general_settings:
  master_key: sk-1234
  enforced_params:
    - user
`),
    );
    // A key whose budget is already used up: the budget plugin would refuse any call it sees.
    const made = await post(gw, '/key/generate', SPEC_MASTER_KEY, JSON.stringify({ max_budget: 0 }));
    expect(made.status).toBe(200);
    key = ((await made.json()) as { key: string }).key;
  });
  afterAll(() => gw?.close());

  const call = (extra: object) => post(gw, '/chat/completions', key, JSON.stringify({ model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: 'hi' }], ...extra }));

  it('a missing required param is refused as such, not as a budget refusal', async () => {
    const res = await call({});
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('Authentication Error, BadRequest please pass param=user in request body. This is a required param');
  });

  it('a blocked user is refused as such, not as a budget refusal', async () => {
    const res = await call({ user: 'user_id_1' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('User blocked from making LLM API Calls. User=user_id_1');
  });

  it('a customer blocked through /customer/block is refused as such, not as a budget refusal', async () => {
    expect((await post(gw, '/customer/block', SPEC_MASTER_KEY, JSON.stringify({ user_ids: ['user_id_2'] }))).status).toBe(200);
    const res = await call({ user: 'user_id_2' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('User blocked from making LLM API Calls. User=user_id_2');
  });

  it('an allowed user reaches the budget, which refuses', async () => {
    const res = await call({ user: 'someone' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('budget_exceeded');
    expect(upstream.requests.some((r) => JSON.stringify(r.body).includes('"someone"'))).toBe(false);
  });
});

describe('spec: Enable Blocked User Lists — unblocking through the API', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(
      specConfig(`${gpt35(upstream)}litellm_settings:
  callbacks: ["blocked_user_check"]
  blocked_user_list: ["user_id_1", "user_id_2"]
general_settings:
  master_key: sk-1234
`),
    );
  });
  afterAll(() => gw?.close());

  const callAs = (user: string) => post(gw, '/chat/completions', SPEC_MASTER_KEY, JSON.stringify({ model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: 'what llm are you' }], user }));

  it('/user/unblock takes a user off blocked_user_list, and /customer/block blocks one again', async () => {
    expect((await callAs('user_id_1')).status).toBe(400);
    const unblocked = await post(gw, '/user/unblock', SPEC_MASTER_KEY, JSON.stringify({ user_ids: ['user_id_1'] }));
    expect(unblocked.status).toBe(200);
    expect(((await unblocked.json()) as { blocked_users: string[] }).blocked_users).not.toContain('user_id_1');
    await expect.poll(async () => (await callAs('user_id_1')).status, { timeout: 2_000 }).toBe(200);
    expect((await callAs('user_id_2')).status).toBe(400);

    const blocked = await post(gw, '/customer/block', SPEC_MASTER_KEY, JSON.stringify({ user_ids: ['user_id_1'] }));
    expect(blocked.status).toBe(200);
    expect(((await blocked.json()) as { blocked_users: { user_id: string; blocked: boolean }[] }).blocked_users).toMatchObject([{ user_id: 'user_id_1', blocked: true }]);
    const refused = await callAs('user_id_1');
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe('User blocked from making LLM API Calls. User=user_id_1');
  });
});
