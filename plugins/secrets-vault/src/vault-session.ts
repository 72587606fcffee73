/**
 * The Vault token the plugin sends as `X-Vault-Token`, from the first configured auth method in
 * LiteLLM's priority order: AppRole, TLS certificate, then (a Sluice addition) Kubernetes, then a
 * static token (HCP_VAULT_TOKEN).
 *
 * A token a login issued is renewed (`POST /v1/auth/token/renew-self`) when two thirds of its lease
 * have passed; when renewal fails (past its max TTL, revoked) the plugin logs in again. A request
 * Vault refuses with 403 drops the token so the next one logs in afresh. Logins carry the login
 * namespace as `X-Vault-Namespace`; secret requests name their namespace in the URL (secret-store.ts).
 * There is no official Vault client for Node (node-vault is community-kept): this speaks Vault's
 * documented HTTP API with undici.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from '@sluice/plugin-sdk';
import { request, type Dispatcher } from 'undici';
import { errorMessage } from '@sluice/plugin-sdk/node';

export interface VaultAuthSettings {
  vault_addr: string;
  vault_token?: string;
  login_namespace?: string;
  approle_role_id?: string;
  approle_secret_id?: string;
  approle_mount_path?: string;
  client_cert?: string;
  client_key?: string;
  vault_cert_role?: string;
  kubernetes_role?: string;
  kubernetes_mount_path?: string;
  kubernetes_token_path?: string;
}

export type VaultAuthMethod = 'approle' | 'cert' | 'kubernetes' | 'token';

interface Login {
  token: string;
  leaseSeconds: number;
  renewable: boolean;
}

export class VaultError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'VaultError';
  }
}

export class VaultSession {
  readonly method: VaultAuthMethod;
  #current: Login | undefined;
  #pending: Promise<Login> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    private readonly settings: VaultAuthSettings,
    private readonly dispatcher: Dispatcher,
    private readonly log: Logger,
    /** Registers each token with the log scrubber. */
    private readonly redact: (value: string) => void,
  ) {
    if (settings.approle_role_id && settings.approle_secret_id) this.method = 'approle';
    else if (settings.client_cert && settings.client_key) this.method = 'cert';
    else if (settings.kubernetes_role) this.method = 'kubernetes';
    else if (settings.vault_token) this.method = 'token';
    else {
      throw new Error(
        'Missing Vault authentication credentials. Please set either:\n' +
          '  - HCP_VAULT_TOKEN for token-based auth, or\n' +
          '  - HCP_VAULT_APPROLE_ROLE_ID and HCP_VAULT_APPROLE_SECRET_ID for AppRole auth, or\n' +
          '  - HCP_VAULT_CLIENT_CERT and HCP_VAULT_CLIENT_KEY for TLS certificate auth, or\n' +
          '  - HCP_VAULT_KUBERNETES_ROLE for Kubernetes auth',
      );
    }
  }

  /** The token to send now (logging in first when there is none). */
  async token(): Promise<string> {
    if (this.method === 'token') return this.settings.vault_token!;
    if (this.#current) return this.#current.token;
    this.#pending ??= this.#login().finally(() => (this.#pending = undefined));
    return (await this.#pending).token;
  }

  /** Vault refused `token` (403): forget it, so the next request logs in again. True when a retry may help. */
  rejected(token: string): boolean {
    if (this.method === 'token') return false;
    if (this.#current?.token === token) {
      this.#current = undefined;
      clearTimeout(this.#timer);
    }
    return true;
  }

  /**
   * A static token (HCP_VAULT_TOKEN) may be a renewable service or periodic token with a TTL: ask
   * Vault (`GET /v1/auth/token/lookup-self`) and keep renewing it. Root and batch tokens, and a
   * lookup that fails, are left alone (LiteLLM never renews).
   */
  async start(): Promise<void> {
    if (this.method !== 'token') return;
    try {
      const headers: Record<string, string> = { 'x-vault-token': this.settings.vault_token! };
      const ns = trim(this.settings.login_namespace ?? '');
      if (ns) headers['x-vault-namespace'] = ns;
      const res = await request(`${this.settings.vault_addr.replace(/\/+$/, '')}/v1/auth/token/lookup-self`, { method: 'GET', headers, dispatcher: this.dispatcher });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new VaultError(`${res.statusCode} ${vaultErrors(text)}`, res.statusCode);
      const data = (JSON.parse(text) as { data?: { ttl?: unknown; renewable?: unknown } }).data ?? {};
      const ttl = Number(data.ttl) || 0;
      if (data.renewable === true && ttl > 0) {
        this.log.info({ ttl_seconds: ttl }, 'HCP_VAULT_TOKEN is renewable: it will be renewed before it expires');
        this.#schedule({ token: this.settings.vault_token!, leaseSeconds: ttl, renewable: true });
      }
    } catch (err) {
      this.log.debug({ err: errorMessage(err) }, 'could not look up HCP_VAULT_TOKEN; it is used as it is');
    }
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  async #login(): Promise<Login> {
    const s = this.settings;
    let path: string;
    let body: Record<string, unknown>;
    if (this.method === 'approle') {
      path = `auth/${trim(s.approle_mount_path ?? 'approle')}/login`;
      body = { role_id: s.approle_role_id, secret_id: s.approle_secret_id };
    } else if (this.method === 'cert') {
      path = 'auth/cert/login';
      body = s.vault_cert_role ? { name: s.vault_cert_role } : {};
    } else {
      path = `auth/${trim(s.kubernetes_mount_path ?? 'kubernetes')}/login`;
      const jwt = readFileSync(s.kubernetes_token_path ?? '/var/run/secrets/kubernetes.io/serviceaccount/token', 'utf8').trim();
      body = { role: s.kubernetes_role, jwt };
    }
    let auth: { client_token?: unknown; lease_duration?: unknown; renewable?: unknown };
    try {
      auth = await this.#post(path, body);
    } catch (err) {
      throw new VaultError(`Could not authenticate to Vault via ${METHOD_NAMES[this.method]}: ${errorMessage(err)}`, err instanceof VaultError ? err.status : 0);
    }
    if (typeof auth.client_token !== 'string') throw new VaultError(`Could not authenticate to Vault via ${METHOD_NAMES[this.method]}: the answer has no auth.client_token`, 0);
    const login: Login = { token: auth.client_token, leaseSeconds: Number(auth.lease_duration) || 0, renewable: auth.renewable === true };
    this.redact(login.token);
    this.#current = login;
    this.log.info({ method: this.method, lease_seconds: login.leaseSeconds, renewable: login.renewable }, 'logged in to Vault');
    this.#schedule(login);
    return login;
  }

  /** Renews at two thirds of the lease; a token without a lease (or not renewable) is replaced by a new login then. */
  #schedule(login: Login): void {
    clearTimeout(this.#timer);
    if (this.#closed || login.leaseSeconds <= 0) return;
    this.#timer = setTimeout(() => void this.#renew(login), Math.max(500, (login.leaseSeconds * 1000 * 2) / 3));
    this.#timer.unref();
  }

  async #renew(login: Login): Promise<void> {
    if (this.#closed) return;
    if (this.method === 'token') {
      // The static token: renew it, or say it will expire; there is nothing to log in with.
      try {
        const auth = await this.#post('auth/token/renew-self', {}, login.token);
        login.leaseSeconds = Number(auth.lease_duration) || 0;
        this.#schedule(login);
      } catch (err) {
        this.log.error({ err: errorMessage(err) }, 'could not renew HCP_VAULT_TOKEN: Vault will refuse it once it expires');
      }
      return;
    }
    if (this.#current !== login) return;
    if (login.renewable) {
      try {
        const auth = await this.#post('auth/token/renew-self', {}, login.token);
        login.leaseSeconds = Number(auth.lease_duration) || 0;
        this.log.debug({ lease_seconds: login.leaseSeconds }, 'renewed the Vault token');
        this.#schedule(login);
        return;
      } catch (err) {
        this.log.warn({ err: errorMessage(err) }, 'could not renew the Vault token: logging in again');
      }
    }
    if (this.#current !== login) return;
    this.#current = undefined;
    try {
      await this.token();
    } catch (err) {
      // The next request tries again; until then reads are served from the cache.
      this.log.error({ err: errorMessage(err) }, 'could not log in to Vault again');
    }
  }

  async #post(path: string, body: Record<string, unknown>, token?: string): Promise<{ client_token?: unknown; lease_duration?: unknown; renewable?: unknown }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const ns = trim(this.settings.login_namespace ?? '');
    if (ns) headers['x-vault-namespace'] = ns;
    if (token) headers['x-vault-token'] = token;
    const res = await request(`${this.settings.vault_addr.replace(/\/+$/, '')}/v1/${path}`, { method: 'POST', headers, body: JSON.stringify(body), dispatcher: this.dispatcher });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new VaultError(`${res.statusCode} ${vaultErrors(text)}`, res.statusCode);
    const parsed = JSON.parse(text) as { auth?: { client_token?: unknown; lease_duration?: unknown; renewable?: unknown } };
    return parsed.auth ?? {};
  }
}

const METHOD_NAMES: Record<VaultAuthMethod, string> = { approle: 'AppRole', cert: 'TLS cert', kubernetes: 'Kubernetes', token: 'token' };

/** Vault's `{"errors": [...]}` as one line. */
export function vaultErrors(text: string): string {
  try {
    const errors = (JSON.parse(text) as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) return errors.map(String).join('; ');
  } catch {
    // not JSON
  }
  return text.slice(0, 200) || '(empty answer)';
}

export function trim(s: string): string {
  return s.replace(/^\/+|\/+$/g, '');
}
