/**
 * A virtual key as the plugin holds it, and how it is shown: LiteLLM's field names, times as ISO
 * strings, `token` = the SHA-256 hex of the key (the only form stored).
 */
import * as crypto from 'node:crypto';
import type { Setters } from './field-policy.js';
import { maskLoggingSecrets } from './logging-callbacks.js';

export interface KeyRecord {
  token: string;
  key_alias: string | null;
  key_name: string;
  models: string[];
  metadata: Record<string, unknown>;
  permissions: Record<string, unknown>;
  enforced_params: string[];
  guardrails: string[];
  tags: string[];
  max_budget: number | null;
  soft_budget: number | null;
  budget_duration: string | null;
  rpm_limit: number | null;
  tpm_limit: number | null;
  max_parallel_requests: number | null;
  /** LiteLLM shape: `{"gpt-4o": {"budget_limit": 0.0005, "time_period": "1d"}}`. */
  model_max_budget: Record<string, { budget_limit: number; time_period: string | null }>;
  model_rpm_limit: Record<string, number>;
  model_tpm_limit: Record<string, number>;
  temp_budget_increase: number | null;
  /** Epoch ms. */
  temp_budget_expiry: number | null;
  /** A /budget/new budget whose limits the key takes where it sets none itself. */
  budget_id: string | null;
  /** Epoch ms: end of the current budget window (spend goes back to 0 then). */
  budget_reset_at: number | null;
  user_id: string | null;
  team_id: string | null;
  organization_id: string | null;
  project_id: string | null;
  blocked: boolean;
  /** Epoch ms; null = never expires. */
  expires_at: number | null;
  created_at: number;
  updated_at: number;
  spend: number;
  /** Who set each control (field-policy.ts); never shown, never written by a client. */
  controls_set_by: Setters;
  /** LiteLLM's per-key model aliases (`{"mistral-7b": "gpt-3.5-turbo"}`): a call naming the alias calls the target. */
  aliases: Record<string, string>;
  /** LiteLLM's deprecated per-key config: stored and echoed. */
  config: Record<string, unknown>;
  /** Per-request cache controls (`no-cache`, `no-store`, `ttl`, `s-maxage`, `*`) the key may use; read by the response cache. */
  allowed_cache_controls: string[];
  /** LiteLLM's `allowed_routes`: when not empty, the only routes the key may call (route-access.ts). */
  allowed_routes: string[];
  /** LiteLLM's `key_type` (`default`, `llm_api`, `management`, `read_only`): stored and echoed. */
  key_type: string | null;
  /** LiteLLM's `object_permission` (MCP servers, vector stores): stored and echoed. */
  object_permission: Record<string, unknown> | null;
  /** Stored and echoed: Sluice sends no invite emails. */
  send_invite_email: boolean | null;
  /** LiteLLM's scheduled rotation (plugin key-rotation): rotate every `rotation_interval` (`30s`, `1d`, `30d`). */
  auto_rotate: boolean | null;
  rotation_interval: string | null;
  /** Epoch ms: when the key is next due for rotation (now + rotation_interval while auto_rotate is on). */
  key_rotation_at: number | null;
  /** Epoch ms of the last scheduled rotation, and how many there were. */
  last_rotation_at: number | null;
  rotation_count: number;
  /** Id of the principal that created / last changed the key. */
  created_by: string | null;
  updated_by: string | null;
}

/** The fields a caller may set through /key/generate, /key/update and /key/regenerate. */
export type KeyFields = Partial<Omit<KeyRecord, 'token' | 'key_name' | 'created_at' | 'updated_at' | 'controls_set_by'>>;

/** Columns of migration 0007 (LiteLLM fields stored and echoed, and allowed_cache_controls / aliases acted on). */
export const LITELLM_KEY_COLUMNS = ['aliases', 'config', 'allowed_cache_controls', 'allowed_routes', 'key_type', 'object_permission', 'send_invite_email', 'auto_rotate', 'rotation_interval', 'created_by', 'updated_by'] as const;

export const TOKEN_HASH = /^[0-9a-f]{64}$/;

/** `crypto.hash` (Node ≥ 20.12) makes no Hash object: every call's key lookup hashes its bearer token. */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text).digest('hex');

export function hashKey(key: string): string {
  return sha256Hex(key);
}

/** `key` as a caller names it on the management API: the plain key or its hash. */
export function tokenOf(key: string): string {
  return TOKEN_HASH.test(key) ? key : hashKey(key);
}

/** LiteLLM shows keys as `sk-...abcd`. */
export function keyNameOf(key: string): string {
  return `sk-...${key.slice(-4)}`;
}

export function newRecord(token: string, keyName: string, fields: KeyFields, now: number): KeyRecord {
  return {
    token,
    key_name: keyName,
    key_alias: fields.key_alias ?? null,
    models: fields.models ?? [],
    metadata: fields.metadata ?? {},
    permissions: fields.permissions ?? {},
    enforced_params: fields.enforced_params ?? [],
    guardrails: fields.guardrails ?? [],
    tags: fields.tags ?? [],
    max_budget: fields.max_budget ?? null,
    soft_budget: fields.soft_budget ?? null,
    budget_duration: fields.budget_duration ?? null,
    rpm_limit: fields.rpm_limit ?? null,
    tpm_limit: fields.tpm_limit ?? null,
    max_parallel_requests: fields.max_parallel_requests ?? null,
    model_max_budget: fields.model_max_budget ?? {},
    model_rpm_limit: fields.model_rpm_limit ?? {},
    model_tpm_limit: fields.model_tpm_limit ?? {},
    temp_budget_increase: fields.temp_budget_increase ?? null,
    temp_budget_expiry: fields.temp_budget_expiry ?? null,
    budget_id: fields.budget_id ?? null,
    budget_reset_at: fields.budget_reset_at ?? null,
    user_id: fields.user_id ?? null,
    team_id: fields.team_id ?? null,
    organization_id: fields.organization_id ?? null,
    project_id: fields.project_id ?? null,
    blocked: fields.blocked ?? false,
    expires_at: fields.expires_at ?? null,
    created_at: now,
    updated_at: now,
    spend: fields.spend ?? 0,
    controls_set_by: {},
    aliases: fields.aliases ?? {},
    config: fields.config ?? {},
    allowed_cache_controls: fields.allowed_cache_controls ?? [],
    allowed_routes: fields.allowed_routes ?? [],
    key_type: fields.key_type ?? 'default',
    object_permission: fields.object_permission ?? null,
    send_invite_email: fields.send_invite_email ?? null,
    auto_rotate: fields.auto_rotate ?? null,
    rotation_interval: fields.rotation_interval ?? null,
    key_rotation_at: fields.key_rotation_at ?? null,
    last_rotation_at: fields.last_rotation_at ?? null,
    rotation_count: fields.rotation_count ?? 0,
    created_by: fields.created_by ?? null,
    updated_by: fields.updated_by ?? null,
  };
}

export const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/**
 * LiteLLM keeps a key's guardrails, tags and per-model rpm/tpm limits in its `metadata` too, and
 * clients read them there (`info.metadata.guardrails`): the view adds the ones that are set.
 */
function metadataView(r: KeyRecord): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  if (r.guardrails.length > 0) extra.guardrails = r.guardrails;
  if (Object.keys(r.model_rpm_limit).length > 0) extra.model_rpm_limit = r.model_rpm_limit;
  if (Object.keys(r.model_tpm_limit).length > 0) extra.model_tpm_limit = r.model_tpm_limit;
  // A key's own logging callbacks (metadata.logging) are shown with their credentials masked.
  const metadata = maskLoggingSecrets(r.metadata, 'secrets');
  return Object.keys(extra).length > 0 ? { ...metadata, ...extra } : metadata;
}

/**
 * The record as the API shows it (never the plain key: callers add it where LiteLLM does), with
 * every field of LiteLLM's `LiteLLM_VerificationToken` and `GenerateKeyResponse`.
 */
export function keyView(r: KeyRecord): Record<string, unknown> {
  const { expires_at, created_at, updated_at, temp_budget_expiry, budget_reset_at, key_rotation_at, last_rotation_at, controls_set_by: _setters, ...rest } = r;
  return {
    ...rest,
    metadata: metadataView(r),
    model_spend: {},
    soft_budget_cooldown: false,
    litellm_budget_table: null,
    org_id: r.organization_id,
    object_permission_id: null,
    token_id: r.token,
    expires: iso(expires_at),
    temp_budget_expiry: iso(temp_budget_expiry),
    budget_reset_at: iso(budget_reset_at),
    key_rotation_at: iso(key_rotation_at),
    last_rotation_at: iso(last_rotation_at),
    rotation_count: r.rotation_count ?? 0,
    created_at: iso(created_at),
    updated_at: iso(updated_at),
  };
}
