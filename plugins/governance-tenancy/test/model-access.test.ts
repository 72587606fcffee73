/** A key's model list decides what it may call and what `/v1/models` shows it; the kernel only asks. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { pluginSource, writeTestPlugin } from '../../../test/support/test-plugins.js';
import { client, tenancyConfig } from './tenancy-client.js';

describe('model access of a key with a model list', () => {
  let gw: TestGateway;
  const api = client(() => gw);
  let narrow: string;
  let open: string;

  beforeAll(async () => {
    gw = await startGateway(tenancyConfig());
    narrow = await api.keyFor({ models: ['a'] });
    open = await api.keyFor({});
  });
  afterAll(() => gw.close());

  it('calls its models and is refused the others with LiteLLM’s 401', async () => {
    expect((await api.chat(narrow)).status).toBe(200);
    const refused = await api.chat(narrow, { model: 'b' });
    expect(refused.status).toBe(401);
    expect(refused.json.error).toMatchObject({
      message: 'key not allowed to access model. This key can only access models=["a"]. Tried to access b',
      type: 'key_model_access_denied',
      param: 'model',
      code: '401',
    });
    expect(refused.headers.get('x-sluice-error-code')).toBe('VIRTUAL_KEY_MODEL_NOT_ALLOWED');
    expect((await api.chat(open, { model: 'b' })).status).toBe(200);
  });

  it('sees only its models in /v1/models, and the others are not found', async () => {
    expect((await api.get('/v1/models', narrow)).json.data.map((m: { id: string }) => m.id)).toEqual(['a']);
    expect((await api.get('/v1/models', open)).json.data.map((m: { id: string }) => m.id)).toEqual(['a', 'b']);
    expect((await api.get('/v1/models/a', narrow)).status).toBe(200);
    const hidden = await api.get('/v1/models/b', narrow);
    expect(hidden.status).toBe(400);
    expect(hidden.json.error.message).toBe('/models: Invalid model name passed in model=b. Call `/v1/models` to view available models for your key.');
  });
});

describe('with governance-tenancy disabled', () => {
  let gw: TestGateway;
  const api = client(() => gw);
  beforeAll(async () => {
    const other = writeTestPlugin({
      id: 'auth-listed-models',
      hooks: { preAuth: { stage: 'AUTH' } },
      source: pluginSource(`return { preAuth: async (input) => input.token === 'listed-token'
        ? { id: 'listed', authenticatedBy: '__ID__', role: 'internal_user', models: ['a'] } : undefined };`),
    });
    gw = await startGateway(tenancyConfig({ plugins: [{ use: 'governance-tenancy', enabled: false }, { use: 'auth-listed-models' }] }), { extraPluginDirs: [other] });
  });
  afterAll(() => gw.close());

  it('nothing enforces a principal’s model list: the kernel holds no allow-list of its own', async () => {
    expect((await api.chat('listed-token', { model: 'b' })).status).toBe(200);
    expect((await api.get('/v1/models', 'listed-token')).json.data.map((m: { id: string }) => m.id)).toEqual(['a', 'b']);
  });
});
