/**
 * Plugins calling the gateway's own management routes (`ctx.management`, management-client.ts):
 * the request is injected into the server, never sent over the network, and carries a one-time
 * random call id that `authenticate` maps back to the principal the plugin acts as. The id exists
 * only while the call runs (256 random bits, single use), so nothing a client sends can match it.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { ManagementAnswer, ManagementClient, ManagementRequest, Principal } from '@sluice/plugin-sdk';
import type { KernelHooks } from '../hooks.js';

export const INTERNAL_CALL_HEADER = 'x-sluice-internal-call';

export class InternalCalls {
  private readonly pending = new Map<string, Principal>();
  private app: FastifyInstance | undefined;

  /** Set once the server is built; calls made before that throw. */
  attach(app: FastifyInstance): void {
    this.app = app;
  }

  /** The principal of an injected call, or undefined for every other request. */
  principalOf(headers: IncomingHttpHeaders): Principal | undefined {
    const id = headers[INTERNAL_CALL_HEADER];
    return typeof id === 'string' ? this.pending.get(id) : undefined;
  }

  clientFor(pluginId: string): ManagementClient {
    const self: Principal = { id: `plugin:${pluginId}`, authenticatedBy: pluginId, role: 'proxy_admin' };
    return { request: (req, options) => this.request(req, options?.as ?? self) };
  }

  private async request(req: ManagementRequest, as: Principal): Promise<ManagementAnswer> {
    const app = this.app;
    if (!app) throw new Error('the management API is not available before the gateway has started');
    if (!req.path.startsWith('/')) throw new Error(`management path must start with '/': ${req.path}`);
    const id = randomBytes(32).toString('base64url');
    this.pending.set(id, as);
    try {
      const headers: Record<string, string> = { ...(req.headers ?? {}) };
      for (const name of ['authorization', 'x-api-key', 'api-key', 'x-litellm-api-key', 'cookie']) delete headers[name];
      headers[INTERNAL_CALL_HEADER] = id;
      const hasBody = req.body !== undefined;
      if (hasBody) headers['content-type'] ??= 'application/json';
      const res = await app.inject({ method: req.method, url: req.path, headers, ...(hasBody && { payload: JSON.stringify(req.body) }) });
      let body: unknown = res.body === '' ? undefined : res.body;
      if (typeof body === 'string' && /json/.test(String(res.headers['content-type'] ?? ''))) {
        try {
          body = JSON.parse(body);
        } catch {
          // Not JSON after all: the text is the answer.
        }
      }
      return { status: res.statusCode, headers: res.headers as Record<string, string | string[] | undefined>, body };
    } finally {
      this.pending.delete(id);
    }
  }
}

/** The gateway's internal calls, found from the hooks every authenticating path already holds. */
const BY_HOOKS = new WeakMap<KernelHooks, InternalCalls>();

export function registerInternalCalls(hooks: KernelHooks, calls: InternalCalls): void {
  BY_HOOKS.set(hooks, calls);
}

export function internalCallsOf(hooks: KernelHooks): InternalCalls | undefined {
  return BY_HOOKS.get(hooks);
}
