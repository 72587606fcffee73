/**
 * The two plugin-sdk examples, built and packed with the SDK tooling, loaded from their .tgz (sha256
 * pinned) and run sandboxed end to end: the custom secret manager supplies the master key and the
 * upstream key of a deployment; the guardrail denies prompts matching its pattern.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packPlugin } from '@sluice/plugin-sdk/tooling';
import { startGateway, tempDir, type TestGateway } from './support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from './support/mock-openai.js';

const examples = join(import.meta.dirname, '..', 'plugin-sdk', 'examples');

describe('custom secret manager example (sandboxed, from its .tgz)', () => {
  let store: Server;
  let storeHost = '';
  const storeCalls: string[] = [];
  let upstream: MockOpenAI;
  let gw: TestGateway;

  beforeAll(async () => {
    store = createServer((req, res) => {
      storeCalls.push(`${req.url} ${req.headers.authorization ?? ''}`);
      if (req.headers.authorization !== 'Bearer store-token') {
        res.writeHead(401).end('{}');
        return;
      }
      const values: Record<string, string> = { '/v1/secrets/MASTER_FROM_STORE': 'sk-master-from-store', '/v1/secrets/UPSTREAM_FROM_STORE': 'sk-upstream-from-store' };
      const value = values[req.url ?? ''];
      res.writeHead(value ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(value ? { value } : { error: 'not found' }));
    });
    await new Promise<void>((r) => store.listen(0, '127.0.0.1', r));
    storeHost = `127.0.0.1:${(store.address() as AddressInfo).port}`;
    upstream = await startMockOpenAI();
    const { file, sha256 } = await packPlugin(join(examples, 'secret-manager-http'), tempDir('sluice-example-pack-'));
    gw = await startGateway(
      {
        model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: 'os.environ/UPSTREAM_FROM_STORE' } }],
        general_settings: { master_key: 'os.environ/MASTER_FROM_STORE' },
        plugins: [
          {
            use: file,
            sha256,
            config: { base_url: `http://${storeHost}` },
            grants: { http: [storeHost], secrets: ['SECRETS_HTTP_STORE_TOKEN'], secret_resolver: ['MASTER_FROM_STORE', 'UPSTREAM_FROM_STORE'] },
            sandbox: { memory_mb: 32, timeout_ms: 2000 },
          },
        ],
      } as never,
      { env: { SECRETS_HTTP_STORE_TOKEN: 'store-token' } },
    );
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
    await new Promise<void>((r) => store.close(() => r()));
  });

  it('resolves os.environ/ references from the store it was granted', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-master-from-store', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(upstream.requests.at(-1)!.headers.authorization).toBe('Bearer sk-upstream-from-store');
    expect(storeCalls).toEqual(expect.arrayContaining(['/v1/secrets/MASTER_FROM_STORE Bearer store-token', '/v1/secrets/UPSTREAM_FROM_STORE Bearer store-token']));
    expect(gw.logs.join('\n')).not.toContain('sk-upstream-from-store');
  });
});

describe('custom guardrail example (sandboxed, from its .tgz)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    const { file, sha256 } = await packPlugin(join(examples, 'guardrail-pattern'), tempDir('sluice-example-pack-'));
    gw = await startGateway({
      model_list: [{ model_name: 'fake', litellm_params: { model: 'fake/fake' } }],
      general_settings: { master_key: 'sk-guard-1234' },
      plugins: [{ use: file, sha256, config: { patterns: ['project\\s+falcon', '\\b\\d{4}[ -]?\\d{4}[ -]?\\d{4}[ -]?\\d{4}\\b'] } }],
    } as never);
  });
  afterAll(() => gw?.close());

  const ask = (content: string) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-guard-1234', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake', messages: [{ role: 'user', content }] }),
    });

  it('denies a prompt matching a configured pattern with a coded 400 naming the guardrail', async () => {
    const res = await ask('card 4111 1111 1111 1111, and what about Project  Falcon?');
    expect(res.status).toBe(400);
    expect(res.headers.get('x-sluice-plugin')).toBe('guardrail-pattern');
    expect(res.headers.get('x-sluice-error-code')).toBe('GUARDRAIL_PATTERN_BLOCKED');
    expect(await res.json()).toEqual({
      error: { message: 'Violated guardrail policy: guardrail-pattern blocked this request (pattern #1 matched).', type: 'invalid_request_error', param: 'messages', code: '400' },
    });
  });

  it('lets other prompts through', async () => {
    const res = await ask('hello there');
    expect(res.status).toBe(200);
  });
});
