/**
 * The sandbox's `ctx` for createTestKernel: the same shape and the same refusals as the gateway's
 * capability host, but `http.fetch` goes to the test's handlers and kv/secrets live in memory.
 */
import type { JsonValue } from '../json.js';
import type { SandboxContext, SandboxFetchInit, SandboxFetchResponse, SandboxKv, SandboxLogger } from '../sandbox-context.js';
import { copy } from './sandbox-boundary.js';

export interface TestHttpResponse {
  status: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON (with `content-type: application/json`). */
  body?: string | JsonValue;
}

export type TestHttpHandler = (url: string, init: SandboxFetchInit) => TestHttpResponse | Promise<TestHttpResponse>;

/** Keys are `METHOD URL` or `URL` (any method); the query string may be left out of the key. */
export type TestHttpRoutes = Record<string, TestHttpHandler | TestHttpResponse>;

/** What the operator grants in YAML. Omitted entirely, everything is granted (any host, any secret). */
export interface TestGrants {
  /** Hosts `http.fetch` may reach (`host` or `host:port`). */
  http?: string[];
  kv?: boolean;
  /** Secret names `secrets.get` may read. */
  secrets?: string[];
}

export interface TestLogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown> | undefined;
}

export interface TestFetch {
  url: string;
  init: SandboxFetchInit;
}

export interface TestContextParts {
  pluginId: string;
  version: string;
  now: () => number;
  grants: TestGrants | undefined;
  http: TestHttpHandler | TestHttpRoutes | undefined;
  secrets: Record<string, string> | undefined;
  kv: Map<string, string>;
  /** Filled as the plugin logs and fetches. */
  logs: TestLogEntry[];
  fetches: TestFetch[];
}

const MAX_KV_VALUE = 64 * 1024;
const MAX_KV_LIST = 1000;

/** The object the isolate runtime builds: a capability exists only when granted. */
export function testContext(parts: TestContextParts): SandboxContext {
  const { grants } = parts;
  const ctx: { -readonly [K in keyof SandboxContext]: SandboxContext[K] } = {
    pluginId: parts.pluginId,
    version: parts.version,
    log: testLogger(parts.logs),
    now: () => parts.now(),
  };
  if (!grants || (grants.http?.length ?? 0) > 0) {
    ctx.http = {
      fetch: async (url, init = {}) => {
        const request = copy({ url: String(url), init });
        parts.fetches.push(request);
        return fetchThrough(parts.http, request, grants?.http);
      },
    };
  }
  if (!grants || grants.kv) ctx.kv = testKv(parts.kv, parts.now);
  if (!grants || (grants.secrets?.length ?? 0) > 0) {
    ctx.secrets = {
      get: async (name) => {
        const key = String(name);
        if (grants && !grants.secrets!.includes(key)) throw new Error(`secrets.get: the secret ${key} is not granted to this plugin`);
        return parts.secrets && Object.hasOwn(parts.secrets, key) ? parts.secrets[key]! : null;
      },
    };
  }
  return Object.freeze(ctx);
}

function testLogger(logs: TestLogEntry[]): SandboxLogger {
  const entry = (level: TestLogEntry['level']) => (a: object | string, b?: string) => {
    const message = typeof a === 'string' ? a : typeof b === 'string' ? b : '';
    const fields = typeof a === 'object' && a !== null ? (copy(a) as Record<string, unknown>) : undefined;
    logs.push({ level, message, fields });
  };
  const log: SandboxLogger = { debug: entry('debug'), info: entry('info'), warn: entry('warn'), error: entry('error'), child: () => log };
  return log;
}

async function fetchThrough(http: TestContextParts['http'], request: TestFetch, hostGrants: string[] | undefined): Promise<SandboxFetchResponse> {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new Error(`http.fetch: invalid URL ${JSON.stringify(request.url)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('http.fetch: only http and https URLs are allowed');
  if (hostGrants && !hostAllowed(url, hostGrants)) throw new Error(`http.fetch: host ${url.host} is not granted to this plugin`);
  const method = (request.init.method ?? 'GET').toUpperCase();
  const init: SandboxFetchInit = { ...request.init, method };
  let answer: TestHttpResponse;
  if (http === undefined) {
    throw new Error(`http.fetch: the plugin fetched ${method} ${url.href}, but createTestKernel was given no \`http\` handler`);
  } else if (typeof http === 'function') {
    answer = await http(url.href, init);
  } else {
    const bare = url.origin + url.pathname;
    const route = [`${method} ${url.href}`, `${method} ${bare}`, url.href, bare].map((k) => http[k]).find((r) => r !== undefined);
    if (route === undefined) throw new Error(`http.fetch: no test handler for ${method} ${url.href} (handlers: ${Object.keys(http).join(', ') || 'none'})`);
    answer = typeof route === 'function' ? await route(url.href, init) : route;
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(answer.headers ?? {})) headers[k.toLowerCase()] = String(v);
  let body = '';
  if (typeof answer.body === 'string') body = answer.body;
  else if (answer.body !== undefined) {
    body = JSON.stringify(answer.body);
    headers['content-type'] ??= 'application/json';
  }
  return { status: answer.status, headers, body };
}

/** The gateway's rule: a grant is a hostname (any port) or `hostname:port`. */
function hostAllowed(url: URL, grants: readonly string[]): boolean {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return grants.some((g) => g === url.hostname || g === `${url.hostname}:${port}`);
}

function testKv(store: Map<string, string>, now: () => number): SandboxKv {
  const expiries = new Map<string, number>();
  const live = (key: string) => {
    const at = expiries.get(key);
    if (at !== undefined && at <= now()) {
      store.delete(key);
      expiries.delete(key);
    }
    return store.has(key);
  };
  return {
    async get(key) {
      return live(String(key)) ? store.get(String(key))! : null;
    },
    async set(key, value, o) {
      const v = String(value);
      if (v.length > MAX_KV_VALUE) throw new Error(`kv.set: values are limited to ${MAX_KV_VALUE} characters`);
      store.set(String(key), v);
      if (typeof o?.ttlMs === 'number') expiries.set(String(key), now() + o.ttlMs);
      else expiries.delete(String(key));
    },
    async delete(key) {
      const existed = live(String(key));
      store.delete(String(key));
      expiries.delete(String(key));
      return existed;
    },
    async list(prefix, limit) {
      const max = typeof limit === 'number' ? Math.min(limit, MAX_KV_LIST) : MAX_KV_LIST;
      return [...store.keys()].filter((k) => (prefix === undefined || k.startsWith(prefix)) && live(k)).sort().slice(0, max);
    },
  };
}
