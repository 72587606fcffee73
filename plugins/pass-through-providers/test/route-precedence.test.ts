/**
 * Where the provider routes sit among the others: an operator's `pass_through_endpoints` entry on
 * the same prefix (or a more specific path) wins, a provider with nothing to serve it answers 404
 * before anything is sent, and a provider that is switched off in config is not served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, type TestGateway } from '../../../test/support/gateway.js';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../../../test/support/fake-upstream.js';
import { bearer, gatewayWithKeys } from './support.js';

let operator: FakeUpstream;
let cohere: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  operator = await startFakeUpstream((req, res) => sendJson(res, 200, { via: 'operator', path: req.path }));
  cohere = await startFakeUpstream((req, res) => sendJson(res, 200, { via: 'provider', path: req.path }));
  gw = await gatewayWithKeys(
    {
      model_list: [
        { model_name: 'command', litellm_params: { model: 'cohere/command-r', api_base: cohere.url, api_key: 'co-key' } },
        // Nothing listens there.
        { model_name: 'gpt', litellm_params: { model: 'openai/gpt-4o', api_base: 'http://127.0.0.1:1/v1', api_key: 'sk-upstream-unreachable' } },
      ],
      general_settings: {
        pass_through_endpoints: [
          { path: '/anthropic', target: operator.url, include_subpath: true, auth: true },
          { path: '/cohere/v1/rerank', target: `${operator.url}/custom-rerank`, auth: true },
        ],
      },
      plugins: [{ use: 'pass-through-providers', config: { disabled_providers: ['azure'] } }],
    },
    { MISTRAL_API_KEY: '', OPENAI_API_KEY: '' },
  );
});
afterAll(async () => {
  await gw?.close();
  await operator?.close();
  await cohere?.close();
});

const post = (path: string) => fetch(`${gw.url}${path}`, { method: 'POST', headers: { ...bearer(MASTER_KEY), 'content-type': 'application/json' }, body: '{"model":"m"}' });

describe('route precedence', () => {
  it('an operator entry serving a whole prefix wins over the provider route', async () => {
    expect(await (await post('/anthropic/v1/messages')).json()).toEqual({ via: 'operator', path: '/v1/messages' });
  });

  it('an operator’s exact path wins; the provider route serves the rest of the prefix', async () => {
    expect(await (await post('/cohere/v1/rerank')).json()).toEqual({ via: 'operator', path: '/custom-rerank' });
    expect(await (await post('/cohere/v2/rerank')).json()).toEqual({ via: 'provider', path: '/v2/rerank' });
  });

  it('a provider without deployment or environment credentials answers 404 before sending anything', async () => {
    const res = await post('/mistral/v1/chat/completions');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('mistral');
  });

  it('a provider that does not answer: 502 naming the provider, its key nowhere in the message', async () => {
    const res = await post('/openai/v1/chat/completions');
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(text).toContain('openai');
    expect(text).not.toContain('sk-upstream-unreachable');
  });

  it('a disabled provider route is not served', async () => {
    expect((await post('/azure/openai/deployments/x/chat/completions')).status).toBe(404);
  });
});
