/**
 * What each hook point sees. Each hook gets only what it may act on: `preAuth` sees the
 * credential, `preCall` may rewrite the request or deny it, `postCall` may rewrite the response,
 * `onSpend`/`onAudit` observe frozen events.
 */
import type { JsonObject } from './json.js';

export type Role =
  | 'proxy_admin'
  | 'proxy_admin_viewer'
  | 'org_admin'
  | 'team_admin'
  | 'internal_user'
  | 'internal_user_viewer'
  | 'customer';

/** Who is calling: returned by the `preAuth` plugin that recognised the credential. */
export interface Principal {
  /** Stable id of the credential (hashed key id, `master`, JWT subject…). Never the secret itself. */
  id: string;
  /** Which plugin authenticated the caller, e.g. `auth-master-key`. */
  authenticatedBy: string;
  role: Role;
  /** SHA-256 of the presented key where there is one, for spend logs. */
  keyHash?: string;
  keyAlias?: string;
  userId?: string;
  teamId?: string;
  organizationId?: string;
  projectId?: string;
  /** Model names this principal may call; absent or empty means all. */
  models?: string[];
  metadata?: Record<string, unknown>;
}

export interface AuthInput {
  /** Lower-cased request headers. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The presented credential: `Authorization: Bearer`, `x-api-key`, `api-key` or `x-litellm-api-key`. */
  readonly token: string | undefined;
  readonly method: string;
  /** Path without query string. */
  readonly path: string;
  readonly ip: string;
  readonly requestId: string;
}

export type Endpoint = 'chat' | 'completions' | 'embeddings';

/** The per-request context `preCall` plugins transform. Mutate `body` or return a new context. */
export interface CallContext {
  readonly requestId: string;
  readonly endpoint: Endpoint;
  readonly principal: Principal;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly ip: string;
  /** Epoch ms at which the gateway received the request. */
  readonly receivedAt: number;
  /** The OpenAI request body. `model` names a model group from the config. */
  body: JsonObject;
  /** Scratch space shared by the plugins handling this request (e.g. reservation ids). */
  readonly state: Record<string, unknown>;
  /** Tags for spend reporting (`metadata.tags`, `x-litellm-tags`). */
  tags: string[];
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [key: string]: unknown;
}

/** What `postCall` transforms: a whole response (plain calls, and streams a plugin buffers). */
export interface ResponseContext {
  readonly call: Readonly<CallContext>;
  readonly deployment: DeploymentInfo;
  /** True when the client asked for a stream; `response` is then the assembled completion. */
  readonly streamed: boolean;
  response: JsonObject;
}

/** What the streaming lane of `postCall` transforms: one parsed chunk. Set `chunk` to null to drop it. */
export interface ChunkContext {
  readonly call: Readonly<CallContext>;
  readonly deployment: DeploymentInfo;
  readonly index: number;
  chunk: JsonObject | null;
}

export interface DeploymentInfo {
  /** Stable id of the deployment (from `model_info.id` or derived). */
  readonly id: string;
  /** Model group name clients use. */
  readonly modelName: string;
  /** Provider prefix, e.g. `openai`, `fake`. */
  readonly provider: string;
  /** Model name sent upstream. */
  readonly model: string;
  readonly apiBase: string | undefined;
}

export type CallStatus = 'success' | 'failure';

/** Emitted after every proxied call, success or failure. Observers get a frozen copy. */
export interface SpendEvent {
  requestId: string;
  endpoint: Endpoint;
  principal: Principal;
  model: string;
  deployment: DeploymentInfo | undefined;
  status: CallStatus;
  httpStatus: number;
  errorCode?: string;
  stream: boolean;
  usage: Usage;
  /** Cost in USD, 0 when no price is known. */
  cost: number;
  tags: string[];
  user: string | undefined;
  startedAt: number;
  endedAt: number;
  /** Milliseconds spent in the gateway itself (excludes the upstream). */
  overheadMs: number;
  metadata: Record<string, unknown>;
}

/** A management operation, for the audit trail. Before/after are stripped of secrets by the emitter. */
export interface AuditEvent {
  id: string;
  at: number;
  actor: { id: string; role: Role | 'system' };
  action: string;
  objectType: string;
  objectId: string;
  before?: unknown;
  after?: unknown;
  ip?: string;
  requestId?: string;
}
