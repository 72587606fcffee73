/**
 * policy-enforced-params through a real gateway: params required by the config and by the key
 * (principal.metadata.enforced_params, where virtual keys will put them), LiteLLM's 401 messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from '../../../test/support/mock-openai.js';
import { pluginSource, writeTestPlugin } from '../../../test/support/test-plugins.js';
import { missingPart, parseRequiredParam } from '../src/required-params.js';

function missing(param: string): unknown {
  return {
    error: {
      message: `Authentication Error, BadRequest please pass param=${param} in request body. This is a required param`,
      type: 'auth_error',
      param: 'None',
      code: '401',
    },
  };
}

/** Keys as virtual keys will present them: each token's principal carries its own metadata. */
const KEYS: Record<string, unknown> = {
  'sk-key-needs-name': { enforced_params: ['metadata.generation_name'] },
  'sk-key-needs-user': { enforced_params: ['user'] },
  'sk-key-needs-temperature': { enforced_params: ['temperature'] },
  'sk-key-malformed': { enforced_params: 'user' },
  'sk-key-junk-entries': { enforced_params: [1, null, '', { user: true }] },
  'sk-key-plain': {},
};
const keyPlugin = writeTestPlugin({
  id: 'auth-test-keys',
  hooks: { preAuth: { stage: 'AUTH' } },
  source: pluginSource(`const keys = ${JSON.stringify(KEYS)};
    return { preAuth: async (input) => Object.hasOwn(keys, input.token ?? '')
      ? { id: input.token, authenticatedBy: '__ID__', role: 'internal_user', metadata: keys[input.token] } : undefined };`),
});

let upstream: MockOpenAI;
beforeAll(async () => {
  upstream = await startMockOpenAI();
});
afterAll(async () => {
  await upstream?.close();
});

function configWith(generalSettings: Record<string, unknown>) {
  return {
    model_list: [
      { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: 'sk-upstream' } },
      { model_name: 'text-embedding-3-small', litellm_params: { model: 'openai/text-embedding-3-small', api_base: upstream.url, api_key: 'sk-upstream' } },
    ],
    general_settings: { master_key: MASTER_KEY, ...generalSettings },
    plugins: [{ use: 'auth-test-keys' }],
  };
}

async function call(gw: TestGateway, body: Record<string, unknown>, key = MASTER_KEY, path = '/v1/chat/completions') {
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { res, json: JSON.parse(await res.text()) as unknown };
}

const chat = (extra: Record<string, unknown> = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...extra });

describe('params required by the config', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(configWith({ enforced_params: ['user', 'metadata.generation_name'] }), { extraPluginDirs: [keyPlugin] });
  });
  afterAll(() => gw?.close());

  it('names the first missing param as LiteLLM does: top level plain, nested in brackets', async () => {
    const before = upstream.requests.length;
    const noUser = await call(gw, chat());
    expect(noUser.res.status).toBe(401);
    expect(noUser.json).toEqual(missing('user'));
    expect(noUser.res.headers.get('x-sluice-error-code')).toBe('ENFORCED_PARAMS_MISSING');
    expect(noUser.res.headers.get('x-sluice-plugin')).toBe('policy-enforced-params');
    expect((await call(gw, chat({ user: 'u' }))).json).toEqual(missing('metadata'));
    expect((await call(gw, chat({ user: 'u', metadata: {} }))).json).toEqual(missing('[metadata][generation_name]'));
    expect((await call(gw, chat({ user: 'u', metadata: 'generation_name' }))).json).toEqual(missing('[metadata][generation_name]'));
    expect(upstream.requests.length).toBe(before);
  });

  it('presence is what counts (LiteLLM\'s `in`): null values satisfy', async () => {
    expect((await call(gw, chat({ user: null, metadata: { generation_name: null } }))).res.status).toBe(200);
  });

  it('a complete request goes through, and metadata still does not reach the provider', async () => {
    const { res } = await call(gw, chat({ user: 'u', metadata: { generation_name: 'prod-app' } }));
    expect(res.status).toBe(200);
    expect(upstream.requests.at(-1)!.body).not.toHaveProperty('metadata');
  });

  it('applies to every LLM endpoint and to streams, before anything is sent', async () => {
    const embeddings = await call(gw, { model: 'text-embedding-3-small', input: 'x' }, MASTER_KEY, '/v1/embeddings');
    expect(embeddings.json).toEqual(missing('user'));
    const stream = await call(gw, chat({ stream: true, user: 'u' }));
    expect(stream.res.status).toBe(401);
    expect(stream.json).toEqual(missing('metadata'));
  });

  it('key-level params add to the config\'s', async () => {
    const complete = chat({ user: 'u', metadata: { generation_name: 'x' } });
    expect((await call(gw, complete, 'sk-key-needs-temperature')).json).toEqual(missing('temperature'));
    expect((await call(gw, { ...complete, temperature: 0 }, 'sk-key-needs-temperature')).res.status).toBe(200);
    expect((await call(gw, { ...chat({ metadata: { generation_name: 'x' } }), temperature: 0 }, 'sk-key-needs-temperature')).json).toEqual(missing('user'));
    expect((await call(gw, complete, MASTER_KEY)).res.status).toBe(200);
  });

  it('claims general_settings.enforced_params and runs first among preCall taps', () => {
    expect(gw.gateway.warnings.join('\n')).not.toContain('enforced_params');
    expect(gw.gateway.hookOrder.filter((l) => l.startsWith('preCall'))[0]).toMatch(/^preCall\s+SECURITY\s+policy-enforced-params@1\.0\.0 \(fail-closed\)/);
  });
});

describe('params required by the key only', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(configWith({}), { extraPluginDirs: [keyPlugin] });
  });
  afterAll(() => gw?.close());

  it('a key\'s enforced_params apply to that key\'s calls with no config setting', async () => {
    expect((await call(gw, chat(), 'sk-key-needs-user')).json).toEqual(missing('user'));
    expect((await call(gw, chat({ metadata: {} }), 'sk-key-needs-name')).json).toEqual(missing('[metadata][generation_name]'));
    expect((await call(gw, chat({ metadata: { generation_name: 'n' } }), 'sk-key-needs-name')).res.status).toBe(200);
  });

  it('other keys, and keys with malformed enforced_params, are not bound', async () => {
    for (const key of [MASTER_KEY, 'sk-key-plain', 'sk-key-malformed', 'sk-key-junk-entries']) {
      expect((await call(gw, chat(), key)).res.status, key).toBe(200);
    }
  });
});

describe('missingPart', () => {
  it('walks dotted paths of any depth', () => {
    const body = { a: { b: { c: 1 } }, user: 'u' };
    expect(missingPart(body, parseRequiredParam('a.b.c'))).toBeUndefined();
    expect(missingPart(body, parseRequiredParam('a.b.d'))).toBe('[a][b][d]');
    expect(missingPart(body, parseRequiredParam('a.x.c'))).toBe('[a][x]');
    expect(missingPart(body, parseRequiredParam('b'))).toBe('b');
    expect(missingPart({ a: [1] } as never, parseRequiredParam('a.0'))).toBe('[a][0]'); // arrays are not objects of params
  });
});
