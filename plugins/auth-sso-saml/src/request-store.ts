/**
 * What must be shared by every gateway instance behind one ACS URL: the AuthnRequest IDs this
 * gateway issued (so a response's InResponseTo is checked wherever the IdP posts it) and the IDs of
 * assertions already used (so a replay is refused on every instance). Both live in the shared
 * counters (Redis when `REDIS_URL` is set), each with a TTL, through atomic increments only.
 */
import { createHash } from 'node:crypto';
import type { CacheItem, CacheProvider } from '@node-saml/node-saml';
import type { Counters } from '@sluice/plugin-sdk';

const PREFIX = 'auth-sso-saml:';

/** Counter keys are bounded whatever the IdP puts in an ID. */
function keyOf(kind: string, ...parts: string[]): string {
  return `${PREFIX}${kind}:${createHash('sha256').update(parts.join('\u0000')).digest('base64url')}`;
}

export class SamlRequestStore {
  constructor(
    private readonly counters: Counters,
    private readonly requestTtlMs: number,
  ) {}

  /**
   * node-saml's request cache, over the counters. The value kept is the issue time (epoch ms, what
   * node-saml compares with `requestIdExpirationPeriodMs`). Removing is left to the TTL: node-saml
   * forgets a request after any answer, even a forged one, which would let anyone who sees a
   * request ID cancel that login; single use is enforced after the signature is verified
   * (`claimRequest`).
   */
  cacheProvider(): CacheProvider {
    return {
      saveAsync: async (id: string, value: string): Promise<CacheItem | null> => {
        const createdAt = Date.parse(value);
        await this.counters.incrBy(keyOf('request', id), Number.isFinite(createdAt) ? createdAt : Date.now(), this.requestTtlMs);
        return { value, createdAt };
      },
      getAsync: async (id: string): Promise<string | null> => {
        const issuedAt = await this.counters.get(keyOf('request', id));
        return issuedAt > 0 ? new Date(issuedAt).toISOString() : null;
      },
      removeAsync: async (id: string | null): Promise<string | null> => id,
    };
  }

  /** True for the first verified response answering request `id` on any instance, false after. */
  async claimRequest(id: string): Promise<boolean> {
    return (await this.counters.incrBy(keyOf('answered', id), 1, this.requestTtlMs)) === 1;
  }

  /**
   * Records the use of assertion `id` of `issuer`, remembered for `ttlMs` (until its validity ends);
   * false when it was already used (a replay), on any instance.
   */
  async firstUseOfAssertion(issuer: string, id: string, ttlMs: number): Promise<boolean> {
    return (await this.counters.incrBy(keyOf('assertion', issuer, id), 1, Math.max(1000, Math.ceil(ttlMs)))) === 1;
  }
}
