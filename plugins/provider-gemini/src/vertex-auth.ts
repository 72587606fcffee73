/**
 * Vertex AI access tokens from a service account, the OAuth 2.0 JWT-bearer flow Google's client
 * libraries use: sign a one-hour JWT with the account's private key (RS256), exchange it at the
 * account's `token_uri`, and reuse the token until a minute before it expires. One exchange runs
 * at a time per account, however many calls wait for it.
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UpstreamError, httpTarget, type HttpClient, type HttpTarget } from '../../../plugin-sdk/index.js';
import { openAIErrorBody } from './google-errors.js';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const TOKEN_LIFETIME_S = 3600;
/** A token this close to expiry is replaced, so no call goes out with one that dies in flight. */
const REFRESH_MARGIN_MS = 60_000;
/** The exchange is shared by every waiting call, so it has its own bound instead of a caller's signal. */
const EXCHANGE_TIMEOUT_MS = 30_000;

export interface ServiceAccount {
  clientEmail: string;
  privateKey: KeyObject;
  privateKeyId: string | undefined;
  tokenUri: string;
  projectId: string | undefined;
  /** The PEM text, so the plugin can mark it as a secret for log scrubbing. */
  privateKeyPem: string;
}

/** `vertex_credentials` as LiteLLM takes it: the JSON text, the parsed object, or a file path. */
export function loadServiceAccount(source: unknown): ServiceAccount {
  let json: unknown = source;
  if (typeof source === 'string') {
    const text = source.trimStart().startsWith('{') ? source : readCredentialsFile(source);
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error('vertex credentials are not valid JSON');
    }
  }
  if (!json || typeof json !== 'object') throw new Error('vertex credentials must be a service-account JSON object');
  const sa = json as Record<string, unknown>;
  if (sa.type !== undefined && sa.type !== 'service_account') throw new Error(`vertex credentials of type ${JSON.stringify(sa.type)} are not supported; use a service-account key`);
  if (typeof sa.client_email !== 'string' || typeof sa.private_key !== 'string') throw new Error('vertex credentials need client_email and private_key');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(sa.private_key);
  } catch {
    throw new Error('the private_key of the vertex credentials is not a readable PEM key');
  }
  return {
    clientEmail: sa.client_email,
    privateKey,
    privateKeyId: typeof sa.private_key_id === 'string' ? sa.private_key_id : undefined,
    tokenUri: typeof sa.token_uri === 'string' ? sa.token_uri : DEFAULT_TOKEN_URI,
    projectId: typeof sa.project_id === 'string' ? sa.project_id : undefined,
    privateKeyPem: sa.private_key,
  };
}

function readCredentialsFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the vertex credentials file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
}

export function signedAssertion(account: ServiceAccount, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  const header: Record<string, string> = { alg: 'RS256', typ: 'JWT' };
  if (account.privateKeyId) header.kid = account.privateKeyId;
  const claims = { iss: account.clientEmail, sub: account.clientEmail, aud: account.tokenUri, scope: CLOUD_PLATFORM_SCOPE, iat, exp: iat + TOKEN_LIFETIME_S };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  return `${input}.${sign('RSA-SHA256', Buffer.from(input), account.privateKey).toString('base64url')}`;
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

export class AccessTokens {
  private token: string | undefined;
  private refreshAtMs = 0;
  private inFlight: Promise<string> | undefined;
  private readonly target: HttpTarget;

  constructor(
    private readonly http: HttpClient,
    private readonly account: ServiceAccount,
    private readonly now: () => number,
    /** Called with each new token, so the plugin can keep it out of logs. */
    private readonly onToken: (token: string) => void,
  ) {
    this.target = httpTarget(account.tokenUri);
  }

  get(): Promise<string> {
    if (this.token !== undefined && this.now() < this.refreshAtMs) return Promise.resolve(this.token);
    this.inFlight ??= this.exchange().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Vertex refused `token` (revoked, or the clock was off): the next call fetches a new one. */
  invalidate(token: string): void {
    if (this.token === token) {
      this.token = undefined;
      this.refreshAtMs = 0;
    }
  }

  private async exchange(): Promise<string> {
    const startedAt = this.now();
    const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: signedAssertion(this.account, startedAt) });
    const res = await this.http.request(this.target, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      headersTimeoutMs: EXCHANGE_TIMEOUT_MS,
      bodyTimeoutMs: EXCHANGE_TIMEOUT_MS,
    });
    const text = await res.body.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Reported below with the status.
    }
    if (res.status >= 400 || typeof body.access_token !== 'string') throw exchangeError(res.status, body);
    const token = body.access_token;
    const lifetimeS = typeof body.expires_in === 'number' ? body.expires_in : TOKEN_LIFETIME_S;
    this.onToken(token);
    this.token = token;
    this.refreshAtMs = startedAt + lifetimeS * 1000 - REFRESH_MARGIN_MS;
    return token;
  }
}

/**
 * A refused exchange (`invalid_grant`: wrong key, disabled account, clock skew) is an auth
 * failure of the deployment; a failing token server is a 5xx like any upstream's.
 */
function exchangeError(status: number, body: Record<string, unknown>): UpstreamError {
  const reason = [body.error, body.error_description].filter((v) => typeof v === 'string').join(': ');
  const message = `Vertex AI: the service account token exchange failed (HTTP ${status}${reason ? `, ${reason}` : ''})`;
  if (status >= 500 || status < 400) {
    const upstream = status >= 500 ? status : 502;
    return new UpstreamError(message, { status: upstream, body: openAIErrorBody(message, 'api_error', upstream) });
  }
  return new UpstreamError(message, { status: 401, body: openAIErrorBody(message, 'authentication_error', 401) });
}
