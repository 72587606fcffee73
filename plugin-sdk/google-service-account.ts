/**
 * For first-party plugins only (it reads files and signs with node:crypto): not re-exported from
 * index.ts, so sandbox bundles never pull in Node built-ins. Import it as
 * `plugin-sdk/google-service-account.js`.
 *
 * OAuth access tokens from a Google service-account key, the JWT-bearer flow Google's client
 * libraries use: sign a one-hour RS256 assertion with the account's private key, exchange it at
 * the key's `token_uri`, and reuse the token until a minute before it expires. One exchange runs
 * at a time per source, however many calls wait for it.
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { httpTarget, type HttpClient, type HttpTarget } from './capabilities.js';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const TOKEN_LIFETIME_S = 3600;
/** A token this close to expiry is replaced, so no call goes out with one that dies in flight. */
const REFRESH_MARGIN_MS = 60_000;

export interface ServiceAccountKey {
  clientEmail: string;
  privateKey: KeyObject;
  privateKeyId: string | undefined;
  tokenUri: string;
  projectId: string | undefined;
  /** The PEM text, so the plugin can mark it as a secret for log scrubbing (see `serviceAccountKeySecrets`). */
  privateKeyPem: string;
}

/**
 * A key as Google tools hand it out: the JSON text, the parsed object, or the path of the JSON
 * file (GOOGLE_APPLICATION_CREDENTIALS). Errors name the problem but not the setting, e.g.
 * `the service-account key is not valid JSON`, so the caller can prefix its own setting name.
 */
export function loadServiceAccountKey(source: unknown): ServiceAccountKey {
  let json: unknown = source;
  if (typeof source === 'string') {
    const text = source.trimStart().startsWith('{') ? source : readKeyFile(source);
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error('the service-account key is not valid JSON');
    }
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error('the service-account key must be a JSON object');
  const sa = json as Record<string, unknown>;
  // `gcloud auth application-default login` writes an `authorized_user` file that looks similar but cannot sign.
  if (sa.type !== undefined && sa.type !== 'service_account') throw new Error(`credentials of type ${JSON.stringify(sa.type)} are not supported; use a service-account key`);
  if (typeof sa.client_email !== 'string' || typeof sa.private_key !== 'string') throw new Error('the service-account key needs client_email and private_key');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(sa.private_key);
  } catch {
    // Node's own message can quote parts of the key.
    throw new Error('the private_key of the service-account key is not a readable PEM key');
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

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    // The code only: the full message repeats the path and says nothing more.
    throw new Error(`cannot read the service-account key file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
}

/**
 * The forms the private key can take in a log line: the PEM itself, and JSON-escaped (`\n` as two
 * characters) when the key came as JSON text in a config file. Pass each to `ctx.secrets.redact`.
 */
export function serviceAccountKeySecrets(key: ServiceAccountKey): string[] {
  return [key.privateKeyPem, JSON.stringify(key.privateKeyPem).slice(1, -1)];
}

/** The signed JWT the token endpoint takes as `assertion`. */
export function serviceAccountAssertion(key: ServiceAccountKey, nowMs: number, scope: string = CLOUD_PLATFORM_SCOPE): string {
  const iat = Math.floor(nowMs / 1000);
  const header: Record<string, string> = { alg: 'RS256', typ: 'JWT' };
  // Lets Google pick the right public key without trying each of the account's keys.
  if (key.privateKeyId) header.kid = key.privateKeyId;
  const claims = { iss: key.clientEmail, sub: key.clientEmail, aud: key.tokenUri, scope, iat, exp: iat + TOKEN_LIFETIME_S };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  return `${input}.${sign('RSA-SHA256', Buffer.from(input), key.privateKey).toString('base64url')}`;
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

/** A token endpoint that answered, but not with a token. */
export interface TokenExchangeFailure {
  /** The token endpoint's HTTP status (2xx when it answered without an `access_token`). */
  status: number;
  /** OAuth `error`, e.g. `invalid_grant`. */
  error: string | undefined;
  /** OAuth `error_description`, e.g. `Invalid JWT Signature.` */
  errorDescription: string | undefined;
  /** `HTTP 400, invalid_grant: Invalid JWT Signature.`, to put in the caller's own message. */
  detail: string;
}

export interface ServiceAccountTokenSourceOptions {
  /** The gateway's clock (`ctx.now`), epoch ms. */
  now: () => number;
  /**
   * Bound on the exchange's headers and body. The exchange is shared by every waiting call, so it
   * cannot use any one caller's signal.
   */
  timeoutMs: number;
  /** Called with each new token before anyone gets it, so the plugin can `ctx.secrets.redact` it. */
  onToken: (token: string) => void;
  /**
   * The error a refused or unreadable exchange throws, e.g. an UpstreamError for a provider.
   * Default: a plain Error `Google service-account token exchange failed (<detail>)`.
   * Transport failures (unreachable, timeout) are thrown by the HttpClient as they are.
   */
  exchangeError?: (failure: TokenExchangeFailure) => Error;
  /** Default: cloud-platform. */
  scope?: string;
}

export class ServiceAccountTokenSource {
  private token: string | undefined;
  private refreshAtMs = 0;
  private inFlight: Promise<string> | undefined;
  private readonly target: HttpTarget;

  constructor(
    private readonly http: HttpClient,
    private readonly key: ServiceAccountKey,
    private readonly options: ServiceAccountTokenSourceOptions,
  ) {
    this.target = httpTarget(key.tokenUri);
  }

  get(): Promise<string> {
    if (this.token !== undefined && this.options.now() < this.refreshAtMs) return Promise.resolve(this.token);
    this.inFlight ??= this.exchange().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /**
   * The API refused `token` (revoked, or the clock was off): the next `get()` exchanges again.
   * A token other than the current one is ignored, so a late 401 cannot drop a fresh token.
   */
  invalidate(token: string): void {
    if (this.token === token) {
      this.token = undefined;
      this.refreshAtMs = 0;
    }
  }

  private async exchange(): Promise<string> {
    const { now, timeoutMs, onToken, scope } = this.options;
    // Expiry counts from before the request, so a slow exchange errs towards refreshing early.
    const startedAt = now();
    const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: serviceAccountAssertion(this.key, startedAt, scope) });
    const res = await this.http.request(this.target, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      headersTimeoutMs: timeoutMs,
      bodyTimeoutMs: timeoutMs,
    });
    const text = await res.body.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Reported below with the status.
    }
    if (res.status >= 400 || typeof body.access_token !== 'string') throw this.failure(res.status, body);
    const token = body.access_token;
    const lifetimeS = typeof body.expires_in === 'number' ? body.expires_in : TOKEN_LIFETIME_S;
    onToken(token);
    this.token = token;
    this.refreshAtMs = startedAt + lifetimeS * 1000 - REFRESH_MARGIN_MS;
    return token;
  }

  private failure(status: number, body: Record<string, unknown>): Error {
    const error = typeof body.error === 'string' ? body.error : undefined;
    const errorDescription = typeof body.error_description === 'string' ? body.error_description : undefined;
    const reason = [error, errorDescription].filter((v) => v !== undefined).join(': ');
    const failure: TokenExchangeFailure = { status, error, errorDescription, detail: `HTTP ${status}${reason ? `, ${reason}` : ''}` };
    return this.options.exchangeError?.(failure) ?? new Error(`Google service-account token exchange failed (${failure.detail})`);
  }
}
