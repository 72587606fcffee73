/**
 * Proves the fake intake with Datadog's official client (`@datadog/datadog-api-client`, v2
 * `LogsApi.submitLog`, pointed at the fake through its documented server variables): what the
 * client sends is taken, and the fake's errors reach the client as Datadog's would.
 */
import { client, v2 } from '@datadog/datadog-api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDatadogIntake, type FakeDatadogIntake } from './fake-datadog-intake.js';

const API_KEY = 'dd-test-key-0123456789';

function logsApi(intake: FakeDatadogIntake, apiKey = API_KEY): v2.LogsApi {
  const configuration = client.createConfiguration({
    authMethods: { apiKeyAuth: apiKey },
    // Server 1 of submitLog is `{protocol}://{name}`: the documented way to target another host.
    operationServerIndices: { 'v2.LogsApi.submitLog': 1 },
  });
  configuration.setServerVariables({ protocol: 'http', name: `127.0.0.1:${intake.port}` });
  return new v2.LogsApi(configuration);
}

describe('fake Datadog logs intake, driven by the official client', () => {
  let intake: FakeDatadogIntake;
  beforeAll(async () => {
    intake = await startFakeDatadogIntake({ apiKey: API_KEY });
  });
  afterAll(() => intake.close());

  it('takes a gzip batch from LogsApi.submitLog and answers 202', async () => {
    const body: v2.HTTPLogItem[] = [
      { ddsource: 'litellm', ddtags: 'env:test', hostname: 'h1', message: JSON.stringify({ id: 'a' }), service: 'litellm-server', additionalProperties: { status: 'info' } },
      { ddsource: 'litellm', hostname: 'h1', message: 'second', service: 'litellm-server' },
    ];
    const answer = await logsApi(intake).submitLog({ body, contentEncoding: 'gzip', ddtags: 'team:a' });
    expect(answer).toEqual({});
    const req = intake.requests.at(-1)!;
    expect(req.headers['content-encoding']).toBe('gzip');
    expect(req.headers['dd-api-key']).toBe(API_KEY);
    expect(req.logs.map((l) => l.message)).toEqual([JSON.stringify({ id: 'a' }), 'second']);
    expect(req.logs[0]).toMatchObject({ ddsource: 'litellm', ddtags: 'env:test,team:a', status: 'info' });
    expect(req.logs[1]!.ddtags).toBe('team:a');
  });

  it('takes an uncompressed and a deflate batch', async () => {
    await logsApi(intake).submitLog({ body: [{ message: 'plain' }] });
    await logsApi(intake).submitLog({ body: [{ message: 'deflated' }], contentEncoding: 'deflate' });
    expect(intake.logs.slice(-2).map((l) => l.message)).toEqual(['plain', 'deflated']);
  });

  it('refuses a wrong API key with 403, as Datadog does', async () => {
    const err = await logsApi(intake, 'wrong').submitLog({ body: [{ message: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(client.ApiException);
    expect((err as client.ApiException<v2.HTTPLogErrors>).code).toBe(403);
    expect((err as client.ApiException<v2.HTTPLogErrors>).body.errors?.[0]?.detail).toBe('API key is invalid');
  });

  it('refuses a body above 5 MB uncompressed with 413 and more than 1000 items with 400', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const tooLarge = await logsApi(intake).submitLog({ body: Array.from({ length: 6 }, () => ({ message: big })), contentEncoding: 'gzip' }).catch((e: unknown) => e);
    expect((tooLarge as client.ApiException<unknown>).code).toBe(413);
    const tooMany = await logsApi(intake).submitLog({ body: Array.from({ length: 1001 }, (_, i) => ({ message: String(i) })) }).catch((e: unknown) => e);
    expect((tooMany as client.ApiException<unknown>).code).toBe(400);
  });

  it('answers an injected outage with 503', async () => {
    intake.failNext(1);
    const err = await logsApi(intake).submitLog({ body: [{ message: 'during outage' }] }).catch((e: unknown) => e);
    expect((err as client.ApiException<unknown>).code).toBe(503);
    await logsApi(intake).submitLog({ body: [{ message: 'after outage' }] });
    expect(intake.logs.at(-1)!.message).toBe('after outage');
  });
});
