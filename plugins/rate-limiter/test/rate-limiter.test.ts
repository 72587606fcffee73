/**
 * Rate limits end to end: a real gateway, the rate limiter as enabled by default, and a tiny test
 * auth plugin that hands out principals with the scopes each test chooses (in production the
 * tenancy plugin puts them there). The same suite runs on in-process counters and on Redis; on
 * Redis, two gateways sharing one Redis also enforce one rpm limit exactly.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LimitScope, Principal } from '@sluice/plugin-sdk';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { backends, uniqueTag } from '../../../test/support/backends.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { pluginSource, writeTestPlugin } from '../../../test/support/test-plugins.js';

const principals = ((globalThis as unknown as { __rateLimitPrincipals: Map<string, Principal> }).__rateLimitPrincipals = new Map());

const scopesAuth = writeTestPlugin({
  id: 'scopes-auth',
  hooks: { preAuth: { stage: 'AUTH' } },
  // It also enforces the principal's `models` after preCall, as tenancy's model access does in
  // production: a refusal that comes after the rate limiter admitted the call.
  source: pluginSource(`
    const refuse = (model) => Object.assign(new Error('key not allowed to access model ' + model), {
      [Symbol.for('sluice.verdict')]: true, code: 'SCOPES_AUTH_MODEL_NOT_ALLOWED', status: 401, type: 'auth_error', param: 'model', envelopeCode: '401',
    });
    return {
      preAuth: async (input) => globalThis.__rateLimitPrincipals.get(input.token),
      modelAccess: {
        checkCall(principal, model) { if (principal.models?.length && !principal.models.includes(model)) throw refuse(model); },
        visibleModels: (principal, models) => models,
      },
    };`),
});

/**
 * scopes-auth stands in for the tenancy plugin (which puts scopes on principals in production);
 * the other governance plugins are switched off so these tests depend on nothing but the rate
 * limiter and the kernel. (`auth-virtual-keys` is the tenancy plugin's former id.)
 */
const OTHER_GOVERNANCE = ['governance-tenancy', 'auth-virtual-keys', 'budget', 'spend-logs'];

const config = (): SluiceConfig =>
  ({
    model_list: [
      { model_name: 'fast', litellm_params: { model: 'fake/fast' } },
      { model_name: 'other', litellm_params: { model: 'fake/other' } },
      { model_name: 'slow', litellm_params: { model: 'fake/slow', delay_ms: 400 } },
    ],
    general_settings: { master_key: MASTER_KEY },
    // A guardrail that refuses after the rate limiter admitted the call (stage GUARDRAIL > BUDGET).
    litellm_settings: { callbacks: ['banned_keywords'], banned_keywords_list: ['forbidden'] },
    plugins: [{ use: 'scopes-auth' }, ...OTHER_GOVERNANCE.map((use) => ({ use, enabled: false }))],
  }) as SluiceConfig;

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function chat(gw: TestGateway, token: string, body: Record<string, unknown> = {}): Promise<Reply> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hello there' }], ...body }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

const statuses = (replies: Reply[]) => replies.map((r) => r.status).sort();

/** Settlement runs in onSpend, off the request path: wait until every queued spend event is delivered. */
const settled = (gw: TestGateway) => gw.gateway.observers.drain();

/**
 * Request and token limits count per clock minute: a test that straddled a minute boundary would
 * see its counts reset half-way. Start window-sensitive tests with at least 3 s of the minute left.
 */
async function freshMinute(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 3_000) await new Promise((r) => setTimeout(r, left + 20));
}

const scope = (kind: LimitScope['kind'], id: string, limits: Partial<LimitScope>): LimitScope => ({ kind, id, ...limits });

const RESET_AT = /Limit resets at: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/;

function rateLimitSuite(name: string, env: () => Record<string, string>) {
  describe(name, () => {
    let gw: TestGateway;
    const tag = uniqueTag();
    let n = 0;
    /** A token whose principal carries `scopes`; ids are made unique per run so runs sharing a Redis never collide. */
    const caller = (scopes: LimitScope[], extra: Partial<Principal> = {}): string => {
      const token = `rl-${tag}-${++n}`;
      principals.set(token, { id: `p-${n}`, authenticatedBy: 'scopes-auth', role: 'internal_user', scopes, ...extra });
      return token;
    };
    const id = (label: string) => `${label}-${tag}`;

    beforeAll(async () => {
      gw = await startGateway(config(), { env: env(), extraPluginDirs: [scopesAuth] });
    });
    beforeEach(freshMinute);
    afterAll(async () => {
      await gw?.close();
      const redis = env().REDIS_URL;
      if (redis) await deleteRateLimitKeys(redis, tag);
    });

    it('rpm N admits exactly N, then 429 with retry-after and the x-ratelimit headers', async () => {
      const key = id('rpm-key');
      const token = caller([scope('key', key, { rpmLimit: 3 })]);
      const ok = [await chat(gw, token), await chat(gw, token), await chat(gw, token)];
      expect(ok.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(ok.map((r) => r.headers.get('x-ratelimit-remaining-requests'))).toEqual(['2', '1', '0']);
      expect(ok[0]!.headers.get('x-ratelimit-limit-requests')).toBe('3');
      expect(ok[0]!.headers.get('x-ratelimit-api_key-remaining-requests')).toBe('2');
      expect(ok[0]!.headers.get('x-ratelimit-api_key-limit-requests')).toBe('3');

      const refused = await chat(gw, token);
      expect(refused.status).toBe(429);
      expect(refused.json.error.type).toBe('rate_limit_error');
      expect(refused.json.error.code).toBe('429');
      expect(refused.json.error.message).toMatch(new RegExp(`^Rate limit exceeded for api_key: ${key}\\. Limit type: requests\\. Current limit: 3, Remaining: 0\\. `));
      expect(refused.json.error.message).toMatch(RESET_AT);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(refused.headers.get('rate_limit_type')).toBe('requests');
      expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
      expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('3');
      expect(refused.headers.get('x-sluice-error-code')).toBe('RATE_LIMIT_REQUESTS_EXCEEDED');
    });

    it('rpm N under 3N concurrent calls: exactly N succeed', async () => {
      const token = caller([scope('team', id('burst-team'), { rpmLimit: 5 })]);
      const replies = await Promise.all(Array.from({ length: 15 }, () => chat(gw, token)));
      expect(replies.filter((r) => r.status === 200)).toHaveLength(5);
      expect(replies.filter((r) => r.status === 429)).toHaveLength(10);
      expect(replies.find((r) => r.status === 429)!.json.error.message).toContain(`Rate limit exceeded for team: ${id('burst-team')}.`);
    });

    it('tpm: the call’s actual tokens are counted after it; a used-up minute refuses', async () => {
      const token = caller([scope('user', id('tpm-user'), { tpmLimit: 40 })]);
      const first = await chat(gw, token);
      expect(first.status).toBe(200);
      expect(first.headers.get('x-ratelimit-remaining-tokens')).toBe('40');
      expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('40');
      expect(first.headers.get('x-ratelimit-user-remaining-tokens')).toBe('40');
      const used = first.json.usage.total_tokens as number;
      expect(used).toBeGreaterThan(0);

      await settled(gw);
      const second = await chat(gw, token);
      expect(second.status).toBe(200);
      expect(second.headers.get('x-ratelimit-remaining-tokens')).toBe(String(40 - used));

      // Keep calling until the minute's tokens are spent: the next call is refused, not trimmed.
      let refused: Reply | undefined;
      for (let i = 0; i < 20 && !refused; i++) {
        await settled(gw);
        const r = await chat(gw, token);
        if (r.status === 429) refused = r;
      }
      expect(refused?.json.error.message).toMatch(new RegExp(`^Rate limit exceeded for user: ${id('tpm-user')}\\. Limit type: tokens\\. Current limit: 40, Remaining: 0\\. `));
      expect(refused?.headers.get('rate_limit_type')).toBe('tokens');
      expect(refused?.headers.get('x-sluice-error-code')).toBe('RATE_LIMIT_TOKENS_EXCEEDED');
    });

    it('max_parallel_requests: calls beyond the limit are refused while others run, and admitted once they end', async () => {
      const key = id('par-key');
      const token = caller([scope('key', key, { maxParallelRequests: 2 })]);
      const replies = await Promise.all([0, 1, 2].map(() => chat(gw, token, { model: 'slow' })));
      expect(statuses(replies)).toEqual([200, 200, 429]);
      const refused = replies.find((r) => r.status === 429)!;
      expect(refused.json.error.message).toMatch(
        new RegExp(`^Rate limit exceeded for api_key: ${key}\\. Limit type: max_parallel_requests\\. Current limit: 2, Remaining: 0\\. `),
      );
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.headers.get('x-sluice-error-code')).toBe('RATE_LIMIT_PARALLEL_EXCEEDED');

      // Both slots come back when the calls end (released in onSpend).
      await settled(gw);
      const again = await Promise.all([0, 1].map(() => chat(gw, token, { model: 'slow' })));
      expect(statuses(again)).toEqual([200, 200]);
    });

    it('max_parallel_requests: a call that fails after the check still releases its slot', async () => {
      // scopes-auth's model access refuses a model the principal may not call after preCall: a failed call.
      const token = caller([scope('key', id('par-fail'), { maxParallelRequests: 1 })], { models: ['fast'] });
      for (let i = 0; i < 3; i++) {
        await settled(gw);
        expect((await chat(gw, token, { model: 'other' })).status).toBe(401);
      }
      await settled(gw);
      expect((await chat(gw, token)).status).toBe(200);
    });

    it('max_parallel_requests: a call a later guardrail refuses still releases its slot', async () => {
      const token = caller([scope('key', id('par-guard'), { maxParallelRequests: 1 })]);
      for (let i = 0; i < 3; i++) {
        await settled(gw);
        const r = await chat(gw, token, { messages: [{ role: 'user', content: 'something forbidden' }] });
        expect(r.status).toBe(400);
        expect(r.json.error.message).toBe('Keyword banned. Keyword=forbidden');
      }
      await settled(gw);
      expect((await chat(gw, token)).status).toBe(200);
    });

    it('model_rpm_limit / model_tpm_limit on the key apply to that model only', async () => {
      const key = id('model-key');
      const token = caller([scope('key', key, { modelRpmLimit: { fast: 1 }, modelTpmLimit: { fast: 1000 } })]);
      const first = await chat(gw, token);
      expect(first.status).toBe(200);
      expect(first.headers.get('x-ratelimit-model_per_key-remaining-requests')).toBe('0');
      expect(first.headers.get('x-ratelimit-model_per_key-limit-tokens')).toBe('1000');
      const refused = await chat(gw, token);
      expect(refused.status).toBe(429);
      expect(refused.json.error.message).toContain(`Rate limit exceeded for model_per_key: ${key}:fast. Limit type: requests.`);
      const other = await chat(gw, token, { model: 'other' });
      expect(other.status).toBe(200);
      expect(other.headers.get('x-ratelimit-remaining-requests')).toBeNull();
    });

    it('a refusal on one scope takes nothing from the others', async () => {
      const key = id('shared-key');
      const keyScope = scope('key', key, { rpmLimit: 5, maxParallelRequests: 5 });
      const limitedByUser = caller([keyScope, scope('user', id('strict-user'), { rpmLimit: 1 })]);
      const keyOnly = caller([keyScope]);
      expect((await chat(gw, limitedByUser)).status).toBe(200);
      for (let i = 0; i < 3; i++) {
        const refused = await chat(gw, limitedByUser);
        expect(refused.status).toBe(429);
        expect(refused.json.error.message).toContain(`for user: ${id('strict-user')}.`);
      }
      // The key counted only the admitted call: 5 - (1 + this one) requests left, and once the
      // first call's slot is back, only this call in flight.
      await settled(gw);
      const probe = await chat(gw, keyOnly);
      expect(probe.headers.get('x-ratelimit-api_key-remaining-requests')).toBe('3');
      expect(probe.headers.get('x-ratelimit-api_key-remaining-max_parallel_requests')).toBe('4');
    });

    it('success headers name the most restrictive limit, on plain and streamed responses', async () => {
      const token = caller([
        scope('key', id('hdr-key'), { rpmLimit: 100, tpmLimit: 100_000 }),
        scope('team', id('hdr-team'), { rpmLimit: 10, tpmLimit: 500_000 }),
        scope('tag', id('hdr-tag'), { rpmLimit: 50 }),
      ]);
      const plain = await chat(gw, token);
      expect(plain.status).toBe(200);
      expect(plain.headers.get('x-ratelimit-limit-requests')).toBe('10');
      expect(plain.headers.get('x-ratelimit-remaining-requests')).toBe('9');
      expect(plain.headers.get('x-ratelimit-limit-tokens')).toBe('100000');
      expect(plain.headers.get('x-ratelimit-api_key-remaining-requests')).toBe('99');
      expect(plain.headers.get('x-ratelimit-team-remaining-requests')).toBe('9');
      expect(plain.headers.get('x-ratelimit-tag-remaining-requests')).toBe('49');

      const streamed = await chat(gw, token, { stream: true });
      expect(streamed.status).toBe(200);
      expect(streamed.headers.get('content-type')).toContain('text/event-stream');
      expect(streamed.text).toContain('data: [DONE]');
      expect(streamed.headers.get('x-ratelimit-limit-requests')).toBe('10');
      expect(streamed.headers.get('x-ratelimit-remaining-requests')).toBe('8');
      expect(streamed.headers.get('x-ratelimit-remaining-tokens')).not.toBeNull();
    });

    it('customer and tag scopes are limited and named as LiteLLM names them', async () => {
      const token = caller([scope('customer', id('alice'), { rpmLimit: 1 }), scope('tag', id('batch'), { rpmLimit: 10 })]);
      expect((await chat(gw, token)).status).toBe(200);
      const refused = await chat(gw, token);
      expect(refused.status).toBe(429);
      expect(refused.json.error.message).toContain(`Rate limit exceeded for end_user: ${id('alice')}. Limit type: requests.`);
    });

    it('calls nothing limits pass untouched: no x-ratelimit headers', async () => {
      const token = caller([scope('key', id('free-key'), { maxBudget: 10 }), scope('team', id('free-team'), {})]);
      const r = await chat(gw, token);
      expect(r.status).toBe(200);
      expect([...r.headers.keys()].filter((h) => h.startsWith('x-ratelimit'))).toEqual([]);
      const master = await chat(gw, MASTER_KEY);
      expect(master.status).toBe(200);
    });
  });
}

rateLimitSuite('rate limits on in-process counters', () => ({}));

describe.skipIf(!backends.redis)(`rate limits on Redis (${backends.skipReason.redis ?? backends.redis})`, () => {
  rateLimitSuite('one gateway', () => ({ REDIS_URL: backends.redis! }));

  describe('two gateways sharing one Redis', () => {
    let a: TestGateway;
    let b: TestGateway;
    const tag = uniqueTag();
    beforeAll(async () => {
      const env = { REDIS_URL: backends.redis! };
      [a, b] = await Promise.all([startGateway(config(), { env, extraPluginDirs: [scopesAuth] }), startGateway(config(), { env, extraPluginDirs: [scopesAuth] })]);
    });
    afterAll(async () => {
      await Promise.all([a?.close(), b?.close()]);
      await deleteRateLimitKeys(backends.redis!, tag);
    });

    beforeEach(freshMinute);

    it('an rpm limit of N across both admits exactly N of 3N concurrent calls', async () => {
      const N = 10;
      const token = `rl-${tag}-shared`;
      principals.set(token, { id: 'shared', authenticatedBy: 'scopes-auth', role: 'internal_user', scopes: [scope('key', `shared-${tag}`, { rpmLimit: N })] });
      const replies = await Promise.all(Array.from({ length: 3 * N }, (_, i) => chat(i % 2 ? a : b, token)));
      expect(replies.filter((r) => r.status === 200)).toHaveLength(N);
      expect(replies.filter((r) => r.status === 429)).toHaveLength(2 * N);
      // Both instances served some of the admitted calls and refused some of the rest.
      const byGateway = (g: number, status: number) => replies.filter((r, i) => i % 2 === g && r.status === status).length;
      expect(byGateway(0, 200) + byGateway(1, 200)).toBe(N);
    });

    it('max_parallel_requests holds across both', async () => {
      const token = `rl-${tag}-parallel`;
      principals.set(token, { id: 'parallel', authenticatedBy: 'scopes-auth', role: 'internal_user', scopes: [scope('team', `par-${tag}`, { maxParallelRequests: 3 })] });
      const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => chat(i % 2 ? a : b, token, { model: 'slow' })));
      expect(replies.filter((r) => r.status === 200)).toHaveLength(3);
      expect(replies.filter((r) => r.status === 429)).toHaveLength(5);
    });
  });
});

/** The rate limiter's keys of one run (`sluice:rl:<type>:<kind>:<id containing the tag>…`). */
async function deleteRateLimitKeys(url: string, tag: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `sluice:rl:*${tag}*`, 'COUNT', 500);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
