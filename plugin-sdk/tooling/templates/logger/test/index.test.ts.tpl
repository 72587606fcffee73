import { describe, expect, it } from 'vitest';
import { createTestKernel, type TestHttpHandler } from '@sluice/plugin-sdk/testing';
import configSchema from '../config.schema.json' with { type: 'json' };
import manifest from '../plugin.json' with { type: 'json' };
import plugin from '../src/index.js';

const config = { endpoint: 'https://logs.acme.example/v1/records', api_key: 'test-key' };
// What the operator grants in YAML (grants: { http: [logs.acme.example] }).
const grants = { http: ['logs.acme.example'] };

describe('__ID__', () => {
  it('posts one record per call with the spend, and authenticates', async () => {
    const received: { body: unknown; authorization: string | undefined }[] = [];
    const http: TestHttpHandler = (_url, init) => {
      received.push({ body: JSON.parse(init.body ?? 'null'), authorization: init.headers?.authorization });
      return { status: 202 };
    };
    const kernel = await createTestKernel(plugin, { config, configSchema, manifest, grants, http, now: () => 1_700_000_000_000 });
    await kernel.onSpend({ requestId: 'req-1', model: 'gpt-4o-mini', cost: 0.0021, usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 } });
    expect(received).toEqual([
      {
        authorization: 'Bearer test-key',
        body: expect.objectContaining({ request_id: 'req-1', model: 'gpt-4o-mini', cost_usd: 0.0021, prompt_tokens: 12, logged_at: 1_700_000_000_000 }),
      },
    ]);
    expect(received[0]!.body).not.toHaveProperty('metadata');
  });

  it('fails the call (a fault, fail-open in the gateway) when the endpoint refuses the record', async () => {
    const kernel = await createTestKernel(plugin, { config, configSchema, manifest, grants, http: () => ({ status: 503 }) });
    await expect(kernel.onSpend({})).rejects.toThrow(/answered 503/);
  });

  it('needs an endpoint', async () => {
    await expect(createTestKernel(plugin, { config: {}, configSchema, manifest, grants })).rejects.toThrow(/config.endpoint is required/);
  });
});
