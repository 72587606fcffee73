/**
 * The sandbox boundary, wire format v1: what each hook of a sandboxed plugin is shown of its
 * argument, what is taken back from what it returns, and how a thrown error crosses (a verdict or
 * a fault). The JSON Schemas of every payload are in this package's `schemas/sandbox-boundary/v1/`; tests
 * hold both runtimes to them.
 *
 * The gateway's isolate host (`kernel/sandbox/`) and `createTestKernel` both call these functions,
 * so a vendor's tests see exactly what production sends. Views pick their fields by name: a field
 * the kernel adds to a context does not cross until it is added here (and to the schemas, as a new
 * version when it is not backward compatible). Nothing here validates per request: the hot path
 * pays only for building the copy it must send anyway.
 */
import { isVerdict, SluiceError, VERDICT_BRAND } from './errors.js';
import type { AuditEvent, AuthInput, CallContext, DeploymentInfo, Principal, Role, SpendEvent } from './hook-contexts.js';
import type { JsonObject, JsonValue } from './json.js';

/** The version of the wire format, and the folder of its schemas under `schemas/sandbox-boundary/`. */
export const SANDBOX_BOUNDARY_VERSION = 'v1';

/** Credentials are shown to a sandboxed plugin only in preAuth, where recognising them is its job. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'x-api-key', 'api-key', 'x-litellm-api-key', 'x-goog-api-key', 'cookie']);

const ROLES = new Set<Role>(['proxy_admin', 'proxy_admin_viewer', 'org_admin', 'team_admin', 'internal_user', 'internal_user_viewer', 'customer']);

/** Turns a description of a broken contract into the runtime's fault (the gateway names the plugin). */
export type BoundaryFault = (what: string) => Error;

/** A plugin's own keys of call state: its id, or `<id>:<anything>`. The rest is invisible to it. */
export function ownsStateKey(pluginId: string, key: string): boolean {
  return key === pluginId || key.startsWith(`${pluginId}:`);
}

function ownState(state: Readonly<Record<string, unknown>>, pluginId: string): JsonObject {
  const own: JsonObject = {};
  for (const [k, v] of Object.entries(state)) if (ownsStateKey(pluginId, k)) own[k] = v as JsonValue;
  return own;
}

/** preAuth sees the request as it came, credentials included. */
export function authView(input: AuthInput): JsonObject {
  return {
    headers: input.headers as JsonObject,
    ...(input.token !== undefined && { token: input.token }),
    method: input.method,
    path: input.path,
    ip: input.ip,
    requestId: input.requestId,
  };
}

/**
 * What preCall and postCall see of a call: without the caller's credentials and without other
 * plugins' state. `scopes` and `responseHeaders` are shown but not taken back (see preCallResult).
 */
export function callView(call: Readonly<CallContext>, pluginId: string): JsonObject {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(call.headers)) if (v !== undefined && !CREDENTIAL_HEADERS.has(k.toLowerCase())) headers[k] = v;
  return {
    requestId: call.requestId,
    endpoint: call.endpoint,
    principal: call.principal as unknown as JsonObject,
    headers,
    ip: call.ip,
    receivedAt: call.receivedAt,
    body: call.body,
    tags: call.tags,
    scopes: call.scopes as unknown as JsonValue[],
    ...(call.responseHeaders !== undefined && { responseHeaders: call.responseHeaders }),
    state: ownState(call.state, pluginId),
  };
}

export function deploymentView(d: DeploymentInfo): JsonObject {
  return { id: d.id, modelName: d.modelName, provider: d.provider, model: d.model, ...(d.apiBase !== undefined && { apiBase: d.apiBase }) };
}

export function responseView(call: Readonly<CallContext>, deployment: DeploymentInfo, streamed: boolean, response: JsonObject, pluginId: string): JsonObject {
  return { call: callView(call, pluginId), deployment: deploymentView(deployment), streamed, response };
}

export function chunkView(call: Readonly<CallContext>, deployment: DeploymentInfo, index: number, chunk: JsonObject | null, pluginId: string): JsonObject {
  return { call: callView(call, pluginId), deployment: deploymentView(deployment), index, chunk };
}

/**
 * onSpend sees the whole event but only its own part of the call state. (An undefined field is
 * absent once the view crosses as JSON.)
 */
export function spendView(e: Readonly<SpendEvent>, pluginId: string): JsonObject {
  return {
    requestId: e.requestId,
    endpoint: e.endpoint,
    principal: e.principal as unknown as JsonObject,
    model: e.model,
    deployment: e.deployment && deploymentView(e.deployment),
    status: e.status,
    httpStatus: e.httpStatus,
    errorCode: e.errorCode,
    stream: e.stream,
    usage: e.usage as JsonObject,
    cost: e.cost,
    tags: e.tags,
    user: e.user,
    scopes: e.scopes as unknown as JsonValue[],
    state: ownState(e.state, pluginId),
    startedAt: e.startedAt,
    endedAt: e.endedAt,
    overheadMs: e.overheadMs,
    metadata: e.metadata as JsonObject,
    cacheHit: e.cacheHit,
    cacheKey: e.cacheKey,
  } as JsonObject;
}

export function auditView(e: Readonly<AuditEvent>): JsonObject {
  return {
    id: e.id,
    at: e.at,
    actor: e.actor,
    action: e.action,
    objectType: e.objectType,
    objectId: e.objectId,
    before: e.before as JsonValue,
    after: e.after as JsonValue,
    ip: e.ip,
    requestId: e.requestId,
  } as JsonObject;
}

/** What the host takes back from preCall: the body, the tags and the plugin's own state keys. */
export interface PreCallResult {
  body: JsonObject;
  tags: string[] | undefined;
  state: JsonObject | undefined;
}

export function preCallResult(value: unknown, pluginId: string, fault: BoundaryFault): PreCallResult {
  if (!isObject(value)) throw fault('preCall must return the context (or nothing)');
  if (!isObject(value.body)) throw fault('preCall must leave `body` an object');
  const tags = Array.isArray(value.tags) ? value.tags.filter((t): t is string => typeof t === 'string') : undefined;
  if (!isObject(value.state)) return { body: value.body, tags, state: undefined };
  const foreign = Object.keys(value.state).find((k) => !ownsStateKey(pluginId, k));
  if (foreign !== undefined) {
    throw fault(`preCall may write only state[${JSON.stringify(pluginId)}] or keys starting "${pluginId}:", not state[${JSON.stringify(foreign)}]`);
  }
  return { body: value.body, tags, state: value.state };
}

export function postCallResponseResult(value: unknown, fault: BoundaryFault): JsonObject {
  const response = isObject(value) ? value.response : undefined;
  if (!isObject(response)) throw fault('postCall must leave `response` an object');
  return response;
}

/** The chunk a streaming postCall leaves: an object, or null to drop it. */
export function postCallChunkResult(value: unknown, fault: BoundaryFault): JsonObject | null {
  const chunk = isObject(value) ? value.chunk : undefined;
  if (chunk !== null && !isObject(chunk)) throw fault('postCall chunk must be an object or null');
  return chunk;
}

/** The principal preAuth returned, checked for shape; the runtime adds `authenticatedBy` (and the gateway its role cap). */
export function principalResult(value: unknown, fault: BoundaryFault): Principal {
  if (!isObject(value) || typeof value.id !== 'string' || !ROLES.has(value.role as Role)) {
    throw fault('preAuth must return a principal with a string id and a known role, or nothing');
  }
  return value as unknown as Principal;
}

/**
 * A verdict as it crosses: the fields the client's error envelope is rendered from. Its `headers`
 * do not cross: a sandboxed plugin sets no response headers, on errors neither.
 */
export interface VerdictWire {
  code: string;
  status: number;
  type: string;
  message: string;
  param: string | null;
  envelopeCode: string | number | null;
}

/**
 * What the isolate runtime sends for a thrown error that claims to be a verdict: one carrying
 * `VERDICT_BRAND` (or, from bundles built with an SDK older than the brand, named `SluiceError`)
 * with a string code. Undefined for anything else, a fault. Whether the claim holds is
 * verdictFromWire's decision, by `isVerdict`: the one rule in process and in the sandbox.
 */
export function verdictWire(err: unknown): VerdictWire | undefined {
  const e = err as (Partial<SluiceError> & { [VERDICT_BRAND]?: unknown }) | null;
  if (typeof e !== 'object' || e === null || (e[VERDICT_BRAND] !== true && e.name !== 'SluiceError') || typeof e.code !== 'string') return undefined;
  return {
    code: e.code,
    status: e.status as number,
    type: String(e.type),
    message: String(e.message),
    param: typeof e.param === 'string' ? e.param : null,
    envelopeCode: e.envelopeCode === undefined ? (e.status as number) : e.envelopeCode,
  };
}

/**
 * Rebuilds a verdict that crossed as JSON, as the runtime's own SluiceError, under the same rule
 * (`isVerdict`): a wire without a string code or an error status (400-599) is a fault (undefined).
 */
export function verdictFromWire(v: Partial<VerdictWire>, pluginId: string): SluiceError | undefined {
  const status = v.status as number;
  const envelopeCode = typeof v.envelopeCode === 'string' || typeof v.envelopeCode === 'number' || v.envelopeCode === null ? v.envelopeCode : status;
  const verdict = new SluiceError(String(v.code), { status, type: String(v.type), message: '', envelopeCode }, String(v.message).slice(0, 2000), {
    param: typeof v.param === 'string' ? v.param : null,
  });
  if (typeof v.code !== 'string' || !isVerdict(verdict)) return undefined;
  verdict.pluginId = pluginId;
  return verdict;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
