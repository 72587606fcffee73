/**
 * What happens to values crossing the isolate boundary, as the gateway's sandbox host does it:
 * JSON copies, credentials hidden, principals checked, and verdicts told apart from faults.
 */
import { SluiceError } from '../errors.js';
import type { CallContext, Principal } from '../hook-contexts.js';
import type { JsonObject } from '../json.js';

/** Credentials are shown to a sandboxed plugin only in preAuth; other hooks see the call without them. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'x-api-key', 'api-key', 'x-litellm-api-key', 'x-goog-api-key', 'cookie']);
const ROLES = new Set(['proxy_admin', 'proxy_admin_viewer', 'org_admin', 'team_admin', 'internal_user', 'internal_user_viewer', 'customer']);

export function copy<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function callView(call: Readonly<CallContext>): CallContext {
  const headers = Object.fromEntries(Object.entries(call.headers).filter(([k, v]) => v !== undefined && !CREDENTIAL_HEADERS.has(k.toLowerCase())));
  return { ...call, headers };
}

export function principalOf(pluginId: string, value: unknown): Principal {
  if (!isObject(value) || typeof value.id !== 'string' || !ROLES.has(value.role as string)) {
    throw new Error(`${pluginId}: preAuth must return a principal with a string id and a known role, or nothing`);
  }
  // The gateway records which plugin admitted the caller, whatever the plugin wrote.
  return { ...(value as unknown as Principal), authenticatedBy: pluginId };
}

/**
 * The sandbox's rule: an error named SluiceError with a string code and a 4xx status is a verdict
 * and reaches the client (rebuilt as this SDK's SluiceError, as the host rebuilds it); anything
 * else, a 5xx coded error included, is a fault of the plugin and is returned as it is.
 */
export function asVerdictOrFault(pluginId: string, hook: string, err: unknown): unknown {
  const e = err as Partial<SluiceError> | null;
  const coded = e !== null && typeof e === 'object' && e.name === 'SluiceError' && typeof e.code === 'string';
  if (!coded) return err;
  if (typeof e.status !== 'number' || e.status < 400 || e.status > 499) {
    return new Error(`${pluginId}: ${hook} threw a coded error with an invalid status ${String(e.status)}; the gateway treats it as a fault, not a verdict`, { cause: err });
  }
  const verdict = new SluiceError(
    e.code!,
    { status: e.status, type: String(e.type), message: '', envelopeCode: e.envelopeCode === undefined ? e.status : e.envelopeCode },
    String(e.message),
    { param: typeof e.param === 'string' ? e.param : null },
  );
  verdict.pluginId = pluginId;
  return verdict;
}
