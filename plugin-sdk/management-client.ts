/**
 * The gateway's own management API, called in-process by a plugin (SCIM provisioning, SSO logins,
 * key rotation): a plugin that acts on users, teams or keys goes through the routes that own them,
 * so their validation, permissions, cache invalidation across instances and audit trail apply to
 * it as to any admin. Nothing crosses the network; no credential is handed to the plugin.
 */
import type { HttpMethod } from './define-plugin.js';
import type { Principal } from './hook-contexts.js';

export interface ManagementRequest {
  method: HttpMethod;
  /** Path and query string, e.g. `/user/info?user_id=alice`. */
  path: string;
  /** A JSON body (POST/PUT/PATCH). */
  body?: unknown;
  /** Extra request headers (lower-case names). Authentication headers are replaced. */
  headers?: Record<string, string>;
}

export interface ManagementAnswer {
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The parsed JSON body; the text when it is not JSON; undefined when empty. */
  body: unknown;
}

export interface ManagementClient {
  /**
   * Calls a route of this gateway as `as` (default: the plugin itself, a `proxy_admin` whose
   * principal id is `plugin:<plugin id>`, so the audit trail names it). The route's own access
   * rules apply to `as`. The preAuth chain does not run (the call is not from the network: no IP or
   * route rule applies to it). Available once the gateway has started serving (`setup` may keep
   * the client; calls made before the server is built throw).
   */
  request(req: ManagementRequest, options?: { as?: Principal }): Promise<ManagementAnswer>;
}
