/**
 * The issuer's public keys (JWT_PUBLIC_KEY_URL, several URLs comma-separated), fetched and kept
 * for `public_key_ttl`. A token whose `kid` no cached set has makes the sets be fetched again, at
 * most once per `refetchMs` per URL, so a rotated key is picked up at once while random kids
 * cannot make the gateway hammer the issuer. A refresh that fails keeps the last good copy.
 *
 * Key choice is LiteLLM's (handle_jwt.py parse_keys): a set of one key matches a token without a
 * kid or with that key's kid; in a larger set the kid must match.
 */
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { JwtErrors } from './errors.js';

export type FetchJson = (url: string) => Promise<{ status: number; body: unknown }>;

/** The transport failed (LiteLLM's JWKSUnreachableError): a 503, not a refusal. */
export class JwksUnreachable extends Error {}

interface Source {
  url: string;
  /** The JWKS URL (a discovery document's jwks_uri, else `url`). */
  jwksUrl?: string;
  keys?: JWK[];
  fetchedAt: number;
  attemptedAt: number;
  pending?: Promise<void>;
  lastError?: Error;
}

const DISCOVERY = '.well-known/openid-configuration';

export class JwksKeys {
  private readonly sources: Source[];
  /** Imported keys per JWK object and algorithm (a JWK set is replaced whole on refresh). */
  private readonly imported = new WeakMap<JWK, Map<string, Promise<CryptoKey | Uint8Array>>>();

  constructor(
    urls: readonly string[],
    private readonly fetchJson: FetchJson,
    private readonly ttlMs: number,
    private readonly refetchMs: number,
    private readonly now: () => number,
    private readonly warn: (fields: Record<string, unknown>, message: string) => void,
    /** How long past the TTL a copy may serve while refreshes fail (LiteLLM public_key_stale_ttl); undefined: until one succeeds. */
    private readonly staleMs?: number,
  ) {
    this.sources = urls.map((url) => ({ url, fetchedAt: -Infinity, attemptedAt: -Infinity }));
  }

  get urls(): string[] {
    return this.sources.map((s) => s.url);
  }

  /** The JWK for a token's `kid` (fetching again once for an unknown kid); throws LiteLLM's refusal. */
  async jwkFor(kid: string | undefined): Promise<JWK> {
    const jwk = (await this.find(kid, false)) ?? (await this.find(kid, true));
    if (!jwk) throw JwtErrors.NO_MATCHING_KEY({ urls: `[${this.urls.map((u) => `'${u}'`).join(', ')}]`, kid: kid ?? 'None' });
    return jwk;
  }

  /** The key to verify `alg` signatures with, imported once per key and algorithm. */
  async importKey(jwk: JWK, alg: string): Promise<CryptoKey | Uint8Array> {
    // A key published for one algorithm is not used with another (no RS/PS or curve confusion).
    if ((jwk.alg !== undefined && jwk.alg !== alg) || (jwk.use !== undefined && jwk.use !== 'sig')) {
      throw JwtErrors.INVALID({ reason: 'The specified alg value is not allowed' });
    }
    let byAlg = this.imported.get(jwk);
    if (!byAlg) this.imported.set(jwk, (byAlg = new Map()));
    let key = byAlg.get(alg);
    if (!key) {
      key = importJWK({ ...jwk, ext: true }, alg);
      byAlg.set(alg, key);
      key.catch(() => byAlg!.delete(alg));
    }
    try {
      return await key;
    } catch (err) {
      throw JwtErrors.INVALID({ reason: `Could not use the public key for ${alg}: ${(err as Error).message}` });
    }
  }

  /** `refresh`: fetch sets again (an unknown kid), within the rate limit; else only when stale. */
  private async find(kid: string | undefined, refresh: boolean): Promise<JWK | undefined> {
    const now = this.now();
    // Every fetch is rate-limited, so neither an unknown kid nor an issuer that is down costs more than one fetch per interval.
    const mayFetch = (s: Source) => now - s.attemptedAt >= this.refetchMs;
    const due = this.sources.filter((s) => mayFetch(s) && (refresh || !s.keys || now - s.fetchedAt >= this.ttlMs));
    if (refresh && due.length === 0 && this.sources.every((s) => !s.pending)) return undefined;
    for (const s of due) void this.load(s);
    // A fetch another request started counts too (concurrent first calls share it).
    const pending = this.sources.map((s) => s.pending).filter((p): p is Promise<void> => p !== undefined);
    if (pending.length > 0) await Promise.all(pending);
    for (const s of this.sources) {
      const jwk = s.keys && pick(s.keys, kid);
      if (jwk) return jwk;
    }
    // No set could be read at all: say why (LiteLLM: 503 when unreachable, else the endpoint's answer).
    if (this.sources.every((s) => !s.keys)) {
      const errs = this.sources.map((s) => s.lastError).filter((e): e is Error => !!e);
      const unreachable = errs.find((e) => e instanceof JwksUnreachable);
      if (unreachable) throw JwtErrors.JWKS_UNAVAILABLE({ reason: unreachable.message });
      if (errs[0]) throw JwtErrors.MALFORMED({ reason: errs[0].message });
    }
    return undefined;
  }

  private load(s: Source): Promise<void> {
    if (!s.pending) {
      s.attemptedAt = this.now();
      s.pending = this.fetchKeys(s)
        .then((keys) => {
          s.keys = keys;
          s.fetchedAt = this.now();
          s.lastError = undefined;
        })
        .catch((err: Error) => {
          s.lastError = err;
          if (!s.keys) return;
          if (this.staleMs !== undefined && this.now() - s.fetchedAt > this.ttlMs + this.staleMs) {
            s.keys = undefined;
            this.warn({ url: s.url, err: err.message }, 'JWKS refresh failed and the last copy is past public_key_stale_ttl; it is no longer used');
          } else {
            this.warn({ url: s.url, err: err.message }, 'JWKS refresh failed; the last fetched keys stay in use');
          }
        })
        .finally(() => (s.pending = undefined));
    }
    return s.pending;
  }

  private async fetchKeys(s: Source): Promise<JWK[]> {
    if (!s.jwksUrl) {
      if (s.url.includes(DISCOVERY)) {
        const doc = await this.get(s.url, 'OIDC discovery endpoint');
        const uri = (doc as { jwks_uri?: unknown } | null)?.jwks_uri;
        if (typeof uri !== 'string' || uri === '') throw new Error(`JWT Auth: OIDC discovery document at ${s.url} does not contain a 'jwks_uri' field.`);
        s.jwksUrl = uri;
      } else {
        s.jwksUrl = s.url;
      }
    }
    const body = await this.get(s.jwksUrl, 'JWKS endpoint');
    const keys = body && typeof body === 'object' && 'keys' in body ? (body as { keys: unknown }).keys : body;
    const list = Array.isArray(keys) ? keys : keys && typeof keys === 'object' ? [keys] : [];
    return list.filter((k): k is JWK => !!k && typeof k === 'object' && typeof (k as JWK).kty === 'string');
  }

  private async get(url: string, what: string): Promise<unknown> {
    let answer: { status: number; body: unknown };
    try {
      answer = await this.fetchJson(url);
    } catch (err) {
      throw new JwksUnreachable(`${(err as Error).name} fetching ${url}: ${(err as Error).message}`);
    }
    if (answer.status !== 200) throw new Error(`JWT Auth: ${what} ${url} returned status ${answer.status}`);
    return answer.body;
  }
}

/** LiteLLM's parse_keys. */
function pick(keys: readonly JWK[], kid: string | undefined): JWK | undefined {
  if (keys.length === 1) return keys[0]!.kid === kid || kid === undefined ? keys[0] : undefined;
  if (kid === undefined) return undefined;
  return keys.find((k) => k.kid !== undefined && k.kid === kid);
}
