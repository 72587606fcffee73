/** An audit event as the stored row, with secrets removed once more (the emitter should have already). */
import type { AuditEvent } from '@sluice/plugin-sdk';

export interface AuditRow {
  id: string;
  updated_at: number;
  changed_by: string;
  changed_by_role: string;
  changed_by_api_key: string;
  action: string;
  table_name: string;
  object_id: string;
  before_value: string | null;
  updated_values: string | null;
  ip: string | null;
  request_id: string | null;
}

/**
 * Names of fields that hold a credential: `key`, `api_key`, `master_key`, `token`, `access_token`,
 * `client_secret`, `password`… but not `key_alias`, `key_name` or `token_count`, which describe one.
 */
const SECRET_FIELD = /(^|[_-])(key|api_?key|token|secret|password|passwd|credentials?|authorization)$|secret|password/i;
/** A value that is itself a key, whatever its field is called. */
const SECRET_VALUE = /^(sk|pk|rk)-[A-Za-z0-9_-]{16,}$/;
export const REDACTED = '[REDACTED]';

export function stripSecrets(value: unknown, depth = 0): unknown {
  if (depth > 16) return REDACTED;
  if (typeof value === 'string') return SECRET_VALUE.test(value) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((v) => stripSecrets(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!SECRET_FIELD.test(k)) out[k] = stripSecrets(v, depth + 1);
    return out;
  }
  return value;
}

const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(stripSecrets(v)));

export function auditRow(e: Readonly<AuditEvent>): AuditRow {
  return {
    id: e.id,
    updated_at: e.at,
    changed_by: e.actor.id,
    changed_by_role: e.actor.role,
    changed_by_api_key: '',
    action: e.action,
    table_name: e.objectType,
    object_id: e.objectId,
    before_value: json(e.before),
    updated_values: json(e.after),
    ip: e.ip ?? null,
    request_id: e.requestId ?? null,
  };
}

/** LiteLLM's AuditLogResponse, plus role, IP and request id. */
export function auditView(r: Record<string, unknown>): Record<string, unknown> {
  const parse = (v: unknown) => (v === null || v === undefined ? null : JSON.parse(String(v)));
  return {
    id: r.id,
    updated_at: new Date(Number(r.updated_at)).toISOString(),
    changed_by: r.changed_by,
    changed_by_api_key: r.changed_by_api_key,
    changed_by_role: r.changed_by_role,
    action: r.action,
    table_name: r.table_name,
    object_id: r.object_id,
    before_value: parse(r.before_value),
    updated_values: parse(r.updated_values),
    ip: r.ip,
    request_id: r.request_id,
  };
}
