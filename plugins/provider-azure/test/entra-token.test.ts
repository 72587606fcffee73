/** The token cache on a controlled clock: reuse until 60 s before expiry, one refresh at a time. */
import { describe, expect, it } from 'vitest';
import { UpstreamError, type HttpClient, type HttpRequestOptions, type HttpTarget } from '@sluice/plugin-sdk';
import { EntraTokenSource } from '../src/entra-token.js';

interface Answer {
  status: number;
  body: unknown;
}

function setup(answers: Answer[]) {
  let clock = 1_000_000;
  const calls: { url: HttpTarget | string; options: HttpRequestOptions | undefined }[] = [];
  const seen: string[] = [];
  const http: HttpClient = {
    async request(url, options) {
      calls.push({ url, options });
      const answer = answers.shift()!;
      const text = JSON.stringify(answer.body);
      const body = Object.assign((async function* () {})(), { text: async () => text, json: async () => answer.body });
      return { status: answer.status, headers: {}, body };
    },
  };
  const source = new EntraTokenSource({
    http,
    credentials: { authorityHost: 'https://login.example', tenantId: 'tenant/1', clientId: 'app', clientSecret: 's3cret' },
    now: () => clock,
    onToken: (t) => seen.push(t),
    timeoutMs: 5000,
  });
  return { source, calls, seen, advance: (ms: number) => (clock += ms) };
}

const ok = (token: string, expiresIn: number | string = 3600): Answer => ({ status: 200, body: { token_type: 'Bearer', expires_in: expiresIn, access_token: token } });

describe('EntraTokenSource', () => {
  it('posts the client-credentials form to the tenant’s token URL', async () => {
    const { source, calls, seen } = setup([ok('t1')]);
    expect(await source.token()).toBe('t1');
    expect(calls[0]!.url).toEqual({ origin: 'https://login.example', path: '/tenant%2F1/oauth2/v2.0/token' });
    expect(calls[0]!.options?.method).toBe('POST');
    expect(calls[0]!.options?.body).toBe('grant_type=client_credentials&client_id=app&client_secret=s3cret&scope=https%3A%2F%2Fcognitiveservices.azure.com%2F.default');
    expect(seen).toEqual(['t1']);
  });

  it('reuses the token until 60 s before it expires (expires_in may be a string)', async () => {
    const { source, calls, advance } = setup([ok('t1', '3600'), ok('t2')]);
    await source.token();
    advance(3_539_999);
    expect(await source.token()).toBe('t1');
    advance(1);
    expect(await source.token()).toBe('t2');
    expect(calls).toHaveLength(2);
  });

  it('shares one refresh among concurrent callers', async () => {
    const { source, calls } = setup([ok('t1')]);
    expect(await Promise.all([source.token(), source.token(), source.token()])).toEqual(['t1', 't1', 't1']);
    expect(calls).toHaveLength(1);
  });

  it('keeps using a still-valid token when a refresh fails, and fails once it has expired', async () => {
    const down: Answer = { status: 503, body: { error: 'temporarily_unavailable', error_description: 'AADSTS90033: A transient error has occurred.' } };
    const { source, advance } = setup([ok('t1'), down, down]);
    await source.token();
    advance(3_570_000); // inside the last minute
    expect(await source.token()).toBe('t1');
    advance(30_000); // expired
    const err = await source.token().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).status).toBe(503);
    expect((err as UpstreamError).message).toBe('Microsoft Entra ID token request failed (temporarily_unavailable): AADSTS90033: A transient error has occurred.');
  });

  it('turns a refused credential into a 401 and a response without a token into a 502', async () => {
    const { source } = setup([{ status: 400, body: { error: 'unauthorized_client', error_description: 'AADSTS700016: Application not found.' } }, { status: 200, body: { token_type: 'Bearer' } }]);
    const refused = (await source.token().catch((e: unknown) => e)) as UpstreamError;
    expect([refused.status, (refused.body as { error: { type: string; code: string } }).error]).toEqual([
      401,
      { message: 'Microsoft Entra ID token request failed (unauthorized_client): AADSTS700016: Application not found.', type: 'authentication_error', param: null, code: 'unauthorized_client' },
    ]);
    const empty = (await source.token().catch((e: unknown) => e)) as UpstreamError;
    expect(empty.status).toBe(502);
  });
});
