/**
 * Logins in flight: the state, nonce and PKCE verifier of each started SSO login, kept server-side
 * in the plugin's kv (the gateway's database, so any instance can finish a login another started),
 * keyed by a hash of the state, with a short TTL, taken once.
 */
import { createHash } from 'node:crypto';
import type { KvStore } from '@sluice/plugin-sdk';

export interface PendingLogin {
  nonce: string;
  verifier?: string | undefined;
  redirectUri: string;
  /** Started at /sso/debug/login: the callback shows the claims instead of logging in. */
  debug: boolean;
  startedAt: number;
  /** SHA-256 of the random value in the browser's login cookie: the callback must come from the browser that started the login. */
  browser: string;
}

const keyOf = (state: string): string => `state:${createHash('sha256').update(state).digest('base64url')}`;

export class LoginStates {
  constructor(
    private readonly kv: KvStore,
    private readonly ttlMs: number,
  ) {}

  async put(state: string, login: PendingLogin): Promise<void> {
    await this.kv.set(keyOf(state), JSON.stringify(login), { ttlMs: this.ttlMs });
  }

  /** The login of `state`, removed so it is used once; undefined when unknown, expired or already taken (by this or another instance). */
  async take(state: string, now: number): Promise<PendingLogin | undefined> {
    const key = keyOf(state);
    const raw = await this.kv.get(key);
    if (raw === null) return undefined;
    // Whoever deletes it owns it: a concurrent second callback with the same state gets false.
    if (!(await this.kv.delete(key))) return undefined;
    const login = JSON.parse(raw) as PendingLogin;
    if (now - login.startedAt > this.ttlMs) return undefined;
    return login;
  }
}
