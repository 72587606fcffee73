/**
 * Password login (LiteLLM's /login and /fallback/login): UI_USERNAME / UI_PASSWORD, or user `admin`
 * (UI_USERNAME's default) with the master key as password. Compared in constant time; failures are
 * counted per client address and refused past a limit, on every instance (ctx.counters).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Counters, RouteRequest } from '@sluice/plugin-sdk';
import { LoginErrors } from './errors.js';

export interface LoginForm {
  username: string;
  password: string;
  /** The body was JSON (the UI's fetch): answer JSON, not a redirect. */
  json: boolean;
}

function header(req: RouteRequest, name: string): string {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

/** The form's fields from a `body: 'raw'` route: urlencoded form, JSON or multipart-less text. */
export function readLoginForm(req: RouteRequest): LoginForm {
  const bytes = req.body instanceof Uint8Array ? req.body : new Uint8Array();
  const text = Buffer.from(bytes).toString('utf8');
  const type = header(req, 'content-type').toLowerCase();
  let fields: Record<string, unknown> = {};
  let json = false;
  if (type.includes('json') || /^\s*\{/.test(text)) {
    json = true;
    try {
      const parsed: unknown = JSON.parse(text || '{}');
      if (parsed && typeof parsed === 'object') fields = parsed as Record<string, unknown>;
    } catch {
      fields = {};
    }
  } else {
    fields = Object.fromEntries(new URLSearchParams(text));
  }
  const username = typeof fields.username === 'string' ? fields.username : '';
  const password = typeof fields.password === 'string' ? fields.password : '';
  if (!username || !password) throw LoginErrors.MISSING_FIELDS();
  return { username, password, json };
}

/** Equal in constant time whatever the lengths (both sides hashed first). */
export function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export class FailedLogins {
  constructor(
    private readonly counters: Counters,
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  private key(ip: string): string {
    return `auth-sso-oidc:login-failures:${ip}`;
  }

  /** Refuses (429) an address that already failed `max` times in the window. */
  async check(ip: string): Promise<void> {
    const seen = await this.counters.peekWindow(this.key(ip), this.windowMs);
    if (seen.count >= this.max) throw LoginErrors.TOO_MANY_FAILURES({ seconds: Math.ceil(seen.resetMs / 1000) }, { headers: { 'retry-after': String(Math.ceil(seen.resetMs / 1000)) } });
  }

  async fail(ip: string): Promise<void> {
    await this.counters.hit(this.key(ip), this.windowMs, 1, Number.POSITIVE_INFINITY);
  }
}

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** LiteLLM's html_form, reduced: posts username and password to /login. */
export function loginPage(action: string, note?: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Sluice Admin UI login</title>
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto}label,input,button{display:block;width:100%;margin:.4rem 0}input{padding:.5rem}button{padding:.6rem}</style>
</head><body>
<h2>Sluice Admin UI</h2>
${note ? `<p>${escape(note)}</p>` : ''}
<form method="post" action="${escape(action)}">
<label for="username">Username</label><input id="username" name="username" type="text" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Login</button>
</form>
</body></html>`;
}
