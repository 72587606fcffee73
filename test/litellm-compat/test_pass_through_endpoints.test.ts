/**
 * LiteLLM's tests of generic pass-through endpoints (`general_settings.pass_through_endpoints`),
 * ported where what they check is observable over HTTP. Upstream they call
 * `initialize_pass_through_endpoints` and mock httpx; here the endpoints come from the config and
 * the targets are local fake servers recording what reached them.
 *
 * Covered: tests/local_testing/test_pass_through_endpoints.py,
 * tests/pass_through_unit_tests/test_passthrough_timeout_e2e.py,
 * tests/pass_through_unit_tests/test_passthrough_error_propagation.py,
 * tests/pass_through_unit_tests/test_pass_through_unit_tests.py.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../schemas/generated/config.js';
import { sendJson, startFakeUpstream, type FakeUpstream, type Reply } from '../support/fake-upstream.js';
import { LITELLM_MASTER_KEY, startLiteLLMProxy, type LiteLLMProxy } from './litellm-proxy.js';

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers = [];
});

const mocked: Reply = (_req, res) => sendJson(res, 200, { message: 'Mocked response' });

async function target(reply: Reply = mocked): Promise<FakeUpstream> {
  const fake = await startFakeUpstream(reply);
  closers.push(() => fake.close());
  return fake;
}

async function proxy(passThroughEndpoints: Record<string, unknown>[], env: Record<string, string> = {}): Promise<LiteLLMProxy> {
  const p = await startLiteLLMProxy({ general_settings: { pass_through_endpoints: passThroughEndpoints } } as Partial<SluiceConfig>, env);
  closers.push(() => p.close());
  return p;
}

/** A virtual key from /key/generate (as LiteLLM's tests put a `UserAPIKeyAuth` in the key cache). */
async function generateKey(p: LiteLLMProxy, body: Record<string, unknown> = {}): Promise<string> {
  const res = await p.request('POST', '/key/generate', { body });
  expect(res.status).toBe(200);
  return res.body.key as string;
}

/** Spend rows of a key, once the batch writer has flushed them (it writes off the request path). */
async function spendRows(p: LiteLLMProxy, key: string, count: number): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await p.request('GET', `/spend/logs?api_key=${key}`);
    if (res.status === 200 && Array.isArray(res.body) && res.body.length >= count) return res.body as Record<string, unknown>[];
    if (Date.now() > deadline) throw new Error(`expected ${count} spend rows, got ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const tagsOf = (row: Record<string, unknown>): unknown => (typeof row.request_tags === 'string' ? JSON.parse(row.request_tags) : row.request_tags);

describe('tests/local_testing/test_pass_through_endpoints.py', () => {
  // tests/local_testing/test_pass_through_endpoints.py::test_pass_through_endpoint_no_headers
  it('test_pass_through_endpoint_no_headers', async () => {
    const t = await target();
    const p = await proxy([{ path: '/test-endpoint', target: `${t.url}/v1/chat/completions` }]);
    const response = await p.request('POST', '/test-endpoint', { key: '', body: { prompt: 'Hello, world!' } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ message: 'Mocked response' });
  });

  // tests/local_testing/test_pass_through_endpoints.py::test_pass_through_endpoint
  it('test_pass_through_endpoint', async () => {
    const t = await target();
    const p = await proxy([{ path: '/test-endpoint', target: `${t.url}/v1/chat/completions`, headers: { Authorization: 'Bearer test-token' } }]);
    const response = await p.request('POST', '/test-endpoint', { key: '', body: { prompt: 'Hello, world!' } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ message: 'Mocked response' });
    // What the mock could not show upstream: the configured header reached the target.
    expect(t.requests[0]!.headers.authorization).toBe('Bearer test-token');
  });

  // tests/local_testing/test_pass_through_endpoints.py::test_pass_through_endpoint_rerank
  // Upstream calls the real Cohere API (COHERE_API_KEY) after removing LiteLLM's native
  // /v1/rerank route. Here a fake Cohere stands in, and the endpoint is mounted at
  // /cohere/v1/rerank: Sluice's native /v1/rerank cannot be removed, and it keeps the path (as
  // LiteLLM's does unless removed; the skipped pass-through route is warned at startup).
  it('test_pass_through_endpoint_rerank', async () => {
    const cohere = await target((_req, res) => sendJson(res, 200, { id: 'r-1', results: [{ index: 0, relevance_score: 0.99 }], meta: { billed_units: { search_units: 1 } } }));
    const p = await proxy([{ path: '/cohere/v1/rerank', target: `${cohere.url}/v1/rerank`, headers: { Authorization: 'bearer os.environ/COHERE_API_KEY' } }], { COHERE_API_KEY: 'co-test-key' });
    const _json_data = {
      model: 'rerank-english-v3.0',
      query: 'What is the capital of the United States?',
      top_n: 3,
      documents: ['Carson City is the capital city of the American state of Nevada.'],
    };
    const response = await p.request('POST', '/cohere/v1/rerank', { key: '', body: _json_data });
    expect(response.status).toBe(200);
    expect(cohere.requests[0]!.headers.authorization).toBe('bearer co-test-key');
    expect(cohere.requests[0]!.body).toEqual(_json_data);
  });

  // tests/local_testing/test_pass_through_endpoints.py::test_pass_through_endpoint_rpm_limit
  // Parametrized upstream: (auth True, rpm_limit 0) → 429, (True, 1) → 200, (False, 0) → 200,
  // calling /v1/rerank with the key in the Authorization header (mounted elsewhere here, see the
  // rerank test).
  it('test_pass_through_endpoint_rpm_limit', async () => {
    for (const [auth, rpm_limit, expected_error_code] of [
      [true, 0, 429],
      [true, 1, 200],
      [false, 0, 200],
    ] as const) {
      const cohere = await target();
      const p = await proxy([{ path: '/cohere/v1/rerank', target: `${cohere.url}/v1/rerank`, auth, headers: { Authorization: 'bearer co-test-key' } }]);
      const mock_api_key = await generateKey(p, { rpm_limit });
      const _json_data = {
        model: 'rerank-english-v3.0',
        query: 'What is the capital of the United States?',
        top_n: 3,
        documents: ['Carson City is the capital city of the American state of Nevada.'],
      };
      const response = await p.request('POST', '/cohere/v1/rerank', { key: mock_api_key, body: _json_data });
      expect(response.status).toBe(expected_error_code);
    }
  });

  // tests/local_testing/test_pass_through_endpoints.py::test_aaapass_through_endpoint_pass_through_keys_langfuse
  // Skipped upstream ("skipping langfuse test for stable branch"). Its intent ported: the
  // LANGFUSE_PUBLIC_KEY / LANGFUSE_SECRET_KEY headers become one `Authorization: Basic` header
  // to Langfuse (a fake one, answering 207 as Langfuse's ingestion does), and auth: true lets a
  // valid key through. `custom_auth_parser: langfuse` (the client's Basic credentials read as the
  // key) is not supported, so the client sends its key as a Bearer token.
  it('test_aaapass_through_endpoint_pass_through_keys_langfuse', async () => {
    const langfuse = await target((_req, res) => sendJson(res, 207, { successes: [], errors: [] }));
    const p = await proxy(
      [
        {
          path: '/api/public/ingestion',
          target: `${langfuse.url}/api/public/ingestion`,
          auth: true,
          headers: { LANGFUSE_PUBLIC_KEY: 'os.environ/LANGFUSE_PUBLIC_KEY', LANGFUSE_SECRET_KEY: 'os.environ/LANGFUSE_SECRET_KEY' },
        },
      ],
      { LANGFUSE_PUBLIC_KEY: 'pk-lf-1', LANGFUSE_SECRET_KEY: 'sk-lf-2' },
    );
    const _json_data = {
      batch: [{ id: '80e2141f-0ca6-47b7-9c06-dde5e97de690', type: 'trace-create', body: { id: '0687af7b-4a75-4de8-a4f6-cba1cdc00865', timestamp: '2024-08-14T02:38:56.092950Z', name: 'test-trace-litellm-proxy-passthrough' }, timestamp: '2024-08-14T02:38:56.093352Z' }],
      metadata: { batch_size: 1, sdk_integration: 'default', sdk_name: 'python', sdk_version: '2.27.0', public_key: 'anything' },
    };
    expect((await p.request('POST', '/api/public/ingestion', { key: '', body: _json_data })).status).toBe(401);
    const response = await p.request('POST', '/api/public/ingestion', { key: LITELLM_MASTER_KEY, body: _json_data });
    expect(response.status).toBe(207);
    expect(langfuse.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('pk-lf-1:sk-lf-2').toString('base64')}`);
  });

  // tests/local_testing/test_pass_through_endpoints.py::test_pass_through_endpoint_anthropic
  // Not ported: its target is a Python adapter object (`anthropic_adapter`) translating the
  // Anthropic format onto a model of the router; Sluice's pass-through targets are URLs only.
  it.skip('test_pass_through_endpoint_anthropic', () => undefined);
});

describe('tests/pass_through_unit_tests/test_passthrough_timeout_e2e.py', () => {
  // tests/pass_through_unit_tests/test_passthrough_timeout_e2e.py::test_pass_through_request_timeout_actually_fires
  // Upstream calls pass_through_request(timeout=2) against a server sleeping 10 s and expects a
  // ProxyException whose message says "timeout"; here the endpoint's `timeout: 2` and a target
  // that never answers, through HTTP.
  it('test_pass_through_request_timeout_actually_fires', async () => {
    const slow = await target(() => undefined);
    const p = await proxy([{ path: '/slow', target: `${slow.url}/slow`, headers: { 'Content-Type': 'application/json' }, timeout: 2 }]);
    const response = await p.request('POST', '/slow', { key: '', body: { test: 'data' } });
    expect(response.status).toBe(500);
    expect(String(response.body.error.message).toLowerCase()).toContain('timeout');
  });
});

describe('tests/pass_through_unit_tests/test_passthrough_error_propagation.py', () => {
  const sse = (status: number, body: string): Reply => (_req, res) => {
    res.writeHead(status, { 'content-type': status >= 400 ? 'application/json' : 'text/event-stream' });
    res.end(body);
  };

  // tests/pass_through_unit_tests/test_passthrough_error_propagation.py::test_pass_through_request_streaming_429_raises_http_exception
  it('test_pass_through_request_streaming_429_raises_http_exception', async () => {
    const t = await target(sse(429, JSON.stringify({ error: { code: '429', message: 'Too many requests' } })));
    const p = await proxy([{ path: '/v1/generate', target: `${t.url}/v1/generate` }]);
    const response = await p.request('POST', '/v1/generate', { key: '', body: { stream: true, contents: [{ parts: [{ text: 'hello' }] }] } });
    expect(response.status).toBe(429);
    expect(response.body.error.code).toBe('429');
  });

  // tests/pass_through_unit_tests/test_passthrough_error_propagation.py::test_pass_through_request_streaming_500_raises_http_exception
  it('test_pass_through_request_streaming_500_raises_http_exception', async () => {
    const t = await target(sse(500, JSON.stringify({ error: { code: '500', message: 'Internal error' } })));
    const p = await proxy([{ path: '/v1/generate', target: `${t.url}/v1/generate` }]);
    const response = await p.request('POST', '/v1/generate', { key: '', body: { stream: true } });
    expect(response.status).toBe(500);
    expect(response.body.error.code).toBe('500');
  });

  // tests/pass_through_unit_tests/test_passthrough_error_propagation.py::test_pass_through_request_streaming_200_returns_streaming_response
  it('test_pass_through_request_streaming_200_returns_streaming_response', async () => {
    const t = await target(sse(200, 'data: {"text":"hi"}\n\n'));
    const p = await proxy([{ path: '/v1/generate', target: `${t.url}/v1/generate` }]);
    const response = await p.request('POST', '/v1/generate', { key: '', body: { stream: true } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.text).toBe('data: {"text":"hi"}\n\n');
  });

  // tests/pass_through_unit_tests/test_passthrough_error_propagation.py::test_vllm_router_model_streaming_asyncgen
  // Not ported: it tests LiteLLM's /vllm provider pass-through routed through a model of the router, not a generic endpoint.
  it.skip('test_vllm_router_model_streaming_asyncgen', () => undefined);

  // tests/pass_through_unit_tests/test_passthrough_error_propagation.py::test_vllm_router_model_streaming_httpx_response
  // Not ported: same /vllm provider route as above.
  it.skip('test_vllm_router_model_streaming_httpx_response', () => undefined);
});

describe('tests/pass_through_unit_tests/test_pass_through_unit_tests.py', () => {
  const athropic_request_body = {
    model: 'claude-3-5-sonnet-20241022',
    max_tokens: 256,
    messages: [{ role: 'user', content: 'Hello, world tell me 2 sentences ' }],
    litellm_metadata: { tags: ['hi', 'hello'] },
  };

  /** A proxy with one auth: true endpoint, a key, and the spend rows its requests leave. */
  async function loggedRequest(headers: Record<string, string>, body: unknown = {}): Promise<{ row: Record<string, unknown>; key: string }> {
    const t = await target();
    const p = await proxy([{ path: '/test', target: `${t.url}/v1/messages`, auth: true }]);
    const key = await generateKey(p);
    const res = await p.request('POST', '/test', { key, body, headers });
    expect(res.status).toBe(200);
    const [row] = await spendRows(p, key, 1);
    return { row: row!, key };
  }

  // tests/pass_through_unit_tests/test_pass_through_unit_tests.py::test_update_metadata_with_tags_in_header_no_tags
  // Upstream checks the helper's metadata; the observable result is the spend row's tags.
  it('test_update_metadata_with_tags_in_header_no_tags', async () => {
    const { row } = await loggedRequest({});
    expect(tagsOf(row)).toEqual([]);
  });

  // tests/pass_through_unit_tests/test_pass_through_unit_tests.py::test_update_metadata_with_tags_in_header_with_tags
  it('test_update_metadata_with_tags_in_header_with_tags', async () => {
    const { row } = await loggedRequest({ tags: 'tag1,tag2,tag3' });
    expect(tagsOf(row)).toEqual(['tag1', 'tag2', 'tag3']);
  });

  // tests/pass_through_unit_tests/test_pass_through_unit_tests.py::test_init_kwargs_for_pass_through_endpoint_basic
  // Upstream: call_type pass_through_endpoint and the key's identity in the logged metadata; here
  // the spend row's call_type and api_key (the key's hash, as LiteLLM stores it).
  it('test_init_kwargs_for_pass_through_endpoint_basic', async () => {
    const { row, key } = await loggedRequest({});
    expect(row.call_type).toBe('pass_through_endpoint');
    expect(row.api_key).toBe(createHash('sha256').update(key).digest('hex'));
  });

  // tests/pass_through_unit_tests/test_pass_through_unit_tests.py::test_init_kwargs_with_litellm_metadata
  it('test_init_kwargs_with_litellm_metadata', async () => {
    const { row } = await loggedRequest({}, { litellm_metadata: { custom_field: 'custom_value', tags: ['tag1', 'tag2'] } });
    const metadata = typeof row.metadata === 'string' ? JSON.parse(row.metadata) : row.metadata;
    expect(metadata.custom_field).toBe('custom_value');
    expect(tagsOf(row)).toEqual(['tag1', 'tag2']);
  });

  // tests/pass_through_unit_tests/test_pass_through_unit_tests.py::test_init_kwargs_with_tags_in_header
  it('test_init_kwargs_with_tags_in_header', async () => {
    const { row } = await loggedRequest({ tags: 'tag1,tag2' });
    expect(tagsOf(row)).toEqual(['tag1', 'tag2']);
  });

  // tests/pass_through_unit_tests/test_pass_through_unit_tests.py::test_pass_through_request_logging_failure
  // Upstream makes the success logger raise and checks the answer still arrives whole. A
  // failing logger cannot be injected over HTTP; spend is recorded off the answer's path
  // (onSpend observers), and the answer is checked byte for byte.
  it('test_pass_through_request_logging_failure', async () => {
    const t = await target((_req, res) => sendJson(res, 200, { mock: 'response' }));
    const p = await proxy([{ path: '/v1/messages', target: `${t.url}/v1/messages` }]);
    const response = await p.request('POST', '/v1/messages', { key: '', body: athropic_request_body });
    expect(response.status).toBe(200);
    expect(response.text).toBe('{"mock":"response"}');
  });

  // tests/pass_through_unit_tests/test_pass_through_unit_tests.py::test_pass_through_request_logging_failure_with_stream
  // As above, with the target's answer arriving in two chunks.
  it('test_pass_through_request_logging_failure_with_stream', async () => {
    const t = await target((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"chunk": 1}');
      res.end('{"chunk": 2}');
    });
    const p = await proxy([{ path: '/v1/messages', target: `${t.url}/v1/messages` }]);
    const response = await p.request('POST', '/v1/messages', { key: '', body: athropic_request_body });
    expect(response.status).toBe(200);
    expect(response.text.length).toBeGreaterThan(0);
    expect(response.text).toBe('{"chunk": 1}{"chunk": 2}');
  });

  // tests/pass_through_unit_tests/test_pass_through_unit_tests.py::test_pass_through_routes_support_all_methods
  // Upstream checks LiteLLM's provider pass-through routers; the same rule for a generic endpoint:
  // it answers GET, POST, PUT, DELETE and PATCH.
  it('test_pass_through_routes_support_all_methods', async () => {
    const t = await target();
    const p = await proxy([{ path: '/all', target: `${t.url}/all`, include_subpath: true }]);
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await p.request(method, '/all/sub', { key: '', ...(method !== 'GET' && { body: {} }) });
      expect(res.status, method).toBe(200);
    }
    expect(t.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']);
  });

  // tests/pass_through_unit_tests/test_pass_through_unit_tests.py::test_is_bedrock_agent_runtime_route
  // Not ported: a helper of LiteLLM's Bedrock provider pass-through, not of generic endpoints.
  it.skip('test_is_bedrock_agent_runtime_route', () => undefined);
});
