/**
 * LiteLLM's endpoint and header rules for each integration (pure functions; the gateway tests
 * exercise them end to end): OTLP endpoint normalisation, OTEL_HEADERS parsing, Phoenix Cloud's
 * key requirement, and a team's own destination never borrowing the gateway's credentials.
 */
import { describe, expect, it } from 'vitest';
import { destinationFor, parseHeaders, tracesUrl } from '../src/destinations.js';

describe('destinations', () => {
  it('normalises endpoints as LiteLLM does (_normalize_otel_endpoint)', () => {
    expect(tracesUrl('http://c:4318')).toBe('http://c:4318/v1/traces');
    expect(tracesUrl('http://c:4318/')).toBe('http://c:4318/v1/traces');
    expect(tracesUrl('http://c:4318/v1')).toBe('http://c:4318/v1/traces');
    expect(tracesUrl('http://c:4318/v1/logs')).toBe('http://c:4318/v1/traces');
    expect(tracesUrl('https://api.honeycomb.io/v1/traces')).toBe('https://api.honeycomb.io/v1/traces');
    expect(() => tracesUrl('not a url')).toThrow(/not a URL/);
    expect(() => tracesUrl('ftp://c')).toThrow(/not an http/);
  });

  it('parses OTEL_HEADERS: first = splits, values percent-decoded, junk skipped', () => {
    expect(parseHeaders('x-honeycomb-team=B85Y,Authorization=Basic%20abc%3D%3D,junk,=x')).toEqual({ 'x-honeycomb-team': 'B85Y', Authorization: 'Basic abc==' });
    expect(parseHeaders('k=a=b')).toEqual({ k: 'a=b' });
    expect(parseHeaders('k=100%')).toEqual({ k: '100%' });
  });

  it('otel: console by default, otlp_http once an endpoint is set; gRPC is a warning', () => {
    expect(destinationFor('otel', {}).exporter).toBe('console');
    expect(destinationFor('otel', { otel_endpoint: 'http://c:4318' })).toMatchObject({ exporter: 'otlp_http', url: 'http://c:4318/v1/traces', encoding: 'protobuf' });
    expect(destinationFor('otel', { otel_exporter: 'http/json', otel_endpoint: 'http://c' }).encoding).toBe('json');
    expect(destinationFor('otel', { otel_exporter: 'otlp_grpc', otel_endpoint: 'http://c:4317' }).warnings[0]).toMatch(/not supported/);
    expect(() => destinationFor('otel', { otel_exporter: 'otlp_http' })).toThrow(/OTEL_ENDPOINT is not set/);
  });

  it('phoenix: local default, Cloud needs a key', () => {
    expect(destinationFor('arize_phoenix', {})).toMatchObject({ url: 'http://localhost:6006/v1/traces', headers: {} });
    expect(() => destinationFor('arize_phoenix', { phoenix_collector_http_endpoint: 'https://app.phoenix.arize.com/s/me' })).toThrow(/PHOENIX_API_KEY/);
  });

  it("a team's destination uses its own credentials only", () => {
    const config = { langfuse_public_key: 'pk-global', langfuse_secret_key: 'sk-global', arize_space_key: 's', arize_api_key: 'k' };
    expect(() => destinationFor('langfuse_otel', config, { langfuse_public_key: 'pk-team' })).toThrow(/LANGFUSE_SECRET_KEY/);
    expect(() => destinationFor('arize', config, { arize_space_key: 'team-space' })).toThrow(/arize_api_key/);
    expect(destinationFor('arize', config, { arize_space_id: 'team-space', arize_api_key: 'team-key' }).headers).toEqual({ 'arize-space-id': 'team-space', api_key: 'team-key' });
    expect(destinationFor('langfuse_otel', config, { langfuse_public_key: 'pk', langfuse_secret_key: 'sk', langfuse_host: 'lf.example' }).url).toBe('https://lf.example/api/public/otel/v1/traces');
  });
});
