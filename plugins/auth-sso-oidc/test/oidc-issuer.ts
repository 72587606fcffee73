/**
 * A real OIDC issuer for the tests: `oidc-provider` 8 on loopback, with its development login and
 * consent pages, and a browser stand-in that drives them (cookie jar, redirects followed by hand)
 * until the issuer redirects back to the gateway.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
// oidc-provider ships no types.
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore
import Provider from 'oidc-provider';

export interface Account {
  sub: string;
  email?: string;
  preferred_username?: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  groups?: string[];
  role?: string;
  provider?: string;
}

export interface Issuer {
  url: string;
  /** Registers the client once the gateway's callback URLs are known. */
  configure(redirectUris: string[], accounts: Record<string, Account>): void;
  close(): Promise<void>;
}

export const CLIENT_ID = 'sluice-ui';
export const CLIENT_SECRET = 'sluice-ui-secret-for-tests';
/** A public client (no secret, token_endpoint_auth_method none), as an Okta SPA/PKCE app. */
export const PUBLIC_CLIENT_ID = 'sluice-ui-public';

export interface IssuerOptions {
  /** oidc-provider's endpoint paths (e.g. Okta's `/oauth2/v1/authorize`); default its own (`/auth`, `/token`, `/me`). */
  routes?: Record<string, string>;
  /** false: `/.well-known/openid-configuration` answers 404, as an issuer without discovery. */
  discovery?: boolean;
}

export async function startIssuer(options: IssuerOptions = {}): Promise<Issuer> {
  let handler: ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => {
    if (!handler) {
      res.statusCode = 503;
      res.end('issuer not configured');
      return;
    }
    if (options.discovery === false && (req.url ?? '').startsWith('/.well-known/')) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    configure(redirectUris, accounts) {
      const provider = new Provider(url, {
        clients: [
          {
            client_id: CLIENT_ID,
            client_secret: CLIENT_SECRET,
            redirect_uris: redirectUris,
            response_types: ['code'],
            grant_types: ['authorization_code'],
            token_endpoint_auth_method: 'client_secret_basic',
          },
          {
            client_id: PUBLIC_CLIENT_ID,
            redirect_uris: redirectUris,
            response_types: ['code'],
            grant_types: ['authorization_code'],
            token_endpoint_auth_method: 'none',
          },
        ],
        ...(options.routes && { routes: options.routes }),
        // PKCE is checked by the issuer whenever a challenge was sent; not demanding it lets one
        // test turn PKCE off to reach the gateway's own nonce check.
        pkce: { required: () => false },
        claims: {
          openid: ['sub'],
          email: ['email', 'email_verified'],
          profile: ['preferred_username', 'name', 'given_name', 'family_name', 'provider'],
          groups: ['groups', 'role'],
        },
        scopes: ['openid', 'email', 'profile', 'groups'],
        features: { devInteractions: { enabled: true } },
        cookies: { keys: ['oidc-test-cookie-key'] },
        async findAccount(_ctx: unknown, id: string) {
          const account = accounts[id];
          if (!account) return undefined;
          return { accountId: id, claims: async () => ({ ...account, email_verified: true }) };
        },
      });
      // Quiet: the devInteractions warning and expected token errors are noise in test output.
      provider.on('server_error', () => undefined);
      handler = provider.callback();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A minimal cookie jar: name → value, for one origin. */
export class CookieJar {
  readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

function formOf(html: string, base: string): { action: string; fields: URLSearchParams } | undefined {
  const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return undefined;
  const fields = new URLSearchParams();
  for (const input of form[2]!.matchAll(/<input[^>]*>/gi)) {
    const name = /name="([^"]+)"/.exec(input[0])?.[1];
    const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
    if (name) fields.set(name, value);
  }
  return { action: new URL(form[1]!.replace(/&amp;/g, '&'), base).href, fields };
}

/**
 * Follows the issuer's redirects and fills its login (as `login`) and consent forms, until the
 * issuer sends the browser to `stopAt` (the gateway's callback): answers that URL, unvisited.
 */
export async function signInAtIssuer(authorizeUrl: string, login: string, stopAt: string, jar = new CookieJar()): Promise<string> {
  let url = authorizeUrl;
  let method = 'GET';
  let body: URLSearchParams | undefined;
  for (let step = 0; step < 20; step++) {
    if (url.startsWith(stopAt)) return url;
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      headers: { cookie: jar.header(), ...(body && { 'content-type': 'application/x-www-form-urlencoded' }) },
      ...(body && { body: body.toString() }),
    });
    jar.take(res);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url).href;
      method = 'GET';
      body = undefined;
      continue;
    }
    const html = await res.text();
    const form = formOf(html, url);
    if (res.status !== 200 || !form) throw new Error(`issuer answered ${res.status} at ${url}: ${html.slice(0, 300)}`);
    if (form.fields.has('login')) {
      form.fields.set('login', login);
      form.fields.set('password', 'any-password');
    }
    url = form.action;
    method = 'POST';
    body = form.fields;
  }
  throw new Error('too many steps at the issuer');
}
