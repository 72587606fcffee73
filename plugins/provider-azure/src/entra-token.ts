/**
 * Microsoft Entra ID access tokens for Azure OpenAI from an app registration's client credentials
 * (OAuth 2.0 client credentials grant). A token is reused until 60 s before it expires, and
 * concurrent callers share one refresh: a burst of requests costs one token request, not one each.
 */
import { UpstreamError, httpTarget, type HttpClient, type HttpTarget } from '@sluice/plugin-sdk';

export interface EntraCredentials {
  /** e.g. `https://login.microsoftonline.com` (sovereign clouds have their own). */
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

/** The scope every Azure OpenAI (Cognitive Services) data-plane call needs. */
export const COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';
const REFRESH_MARGIN_MS = 60_000;

export interface EntraTokenSourceOptions {
  http: HttpClient;
  credentials: EntraCredentials;
  now: () => number;
  /** Told every new token, so it is scrubbed from logs and error messages like any secret. */
  onToken: (token: string) => void;
  timeoutMs: number;
}

export class EntraTokenSource {
  private readonly target: HttpTarget;
  private readonly form: string;
  private cached: { token: string; refreshAt: number; expiresAt: number } | undefined;
  private inFlight: Promise<string> | undefined;

  constructor(private readonly o: EntraTokenSourceOptions) {
    const { authorityHost, tenantId, clientId, clientSecret } = o.credentials;
    this.target = httpTarget(`${authorityHost}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`);
    this.form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: COGNITIVE_SERVICES_SCOPE }).toString();
  }

  /** A valid token: the cached one, or the refresh already running, or a new refresh. */
  token(): Promise<string> {
    const cached = this.cached;
    if (cached && this.o.now() < cached.refreshAt) return Promise.resolve(cached.token);
    this.inFlight ??= this.fetchToken()
      // A failed refresh in the last minute still leaves a token that works: use it, retry next call.
      .catch((err: unknown) => {
        if (cached && this.o.now() < cached.expiresAt) return cached.token;
        throw err;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  private async fetchToken(): Promise<string> {
    // Not tied to one caller's signal: other requests may be waiting on this refresh.
    const res = await this.o.http.request(this.target, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: this.form,
      headersTimeoutMs: this.o.timeoutMs,
      bodyTimeoutMs: this.o.timeoutMs,
    });
    const text = await res.body.text();
    const body = parseObject(text);
    if (res.status >= 400) throw tokenError(res.status, body, res.headers['retry-after']);
    const token = body?.access_token;
    const expiresIn = Number(body?.expires_in);
    if (typeof token !== 'string' || !token || !Number.isFinite(expiresIn)) {
      throw new UpstreamError('Microsoft Entra ID sent a token response without access_token/expires_in', { status: 502 });
    }
    this.o.onToken(token);
    const expiresAt = this.o.now() + expiresIn * 1000;
    this.cached = { token, refreshAt: expiresAt - REFRESH_MARGIN_MS, expiresAt };
    return token;
  }
}

/**
 * Entra answers `{error, error_description}`. A refused credential (400 invalid_client, 401…) is
 * an authentication failure for the caller; throttling and outages keep their status.
 */
function tokenError(status: number, body: Record<string, unknown> | undefined, retryAfter: string | string[] | undefined): UpstreamError {
  const code = typeof body?.error === 'string' ? body.error : String(status);
  // The first line carries the AADSTS code and reason; the rest is trace and correlation ids.
  const reason = typeof body?.error_description === 'string' ? body.error_description.split(/\r?\n/)[0] : `HTTP ${status}`;
  const message = `Microsoft Entra ID token request failed (${code}): ${reason}`;
  const authFailure = status === 400 || status === 401 || status === 403;
  return new UpstreamError(message, {
    status: authFailure ? 401 : status,
    body: { error: { message, type: authFailure ? 'authentication_error' : status === 429 ? 'rate_limit_error' : 'api_error', param: null, code } },
    retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
  });
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
