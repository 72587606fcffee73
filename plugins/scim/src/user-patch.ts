/**
 * SCIM PATCH on a User (RFC 7644 §3.5.2) as Okta and Entra send it: `op` in any case
 * (`"Replace"`), a `path`, or no path and a `value` object whose keys are paths (Okta's
 * `{"op":"replace","value":{"active":false}}`, Entra's `{"op":"Replace","value":{"active":"False"}}`,
 * dotted keys like `"name.givenName"`). LiteLLM's `_apply_patch_ops`, plus: `emails` paths
 * (Entra's `emails[type eq "work"].value`) change `user_email`; attributes it does not know are
 * kept under `metadata.scim_attributes`; a password is never stored.
 */
import type { Json } from './management.js';
import { ScimErrors } from './scim-errors.js';
import { emailOf, ENTERPRISE_SCHEMA, META, parseBoolean } from './scim-resources.js';

export type PatchOpName = 'add' | 'replace' | 'remove';

export interface PatchOperation {
  op: PatchOpName;
  path: string | undefined;
  value: unknown;
}

/** The operations of a PatchOp body, `op` normalised to lower case. */
export function patchOperations(body: unknown): PatchOperation[] {
  const ops = (body as { Operations?: unknown; operations?: unknown } | null)?.Operations ?? (body as { operations?: unknown } | null)?.operations;
  if (!Array.isArray(ops) || ops.length === 0) throw ScimErrors.INVALID_SYNTAX({ reason: 'A PatchOp needs "Operations": a non-empty list of {"op", "path", "value"}.' });
  return ops.map((o) => {
    const raw = (o as { op?: unknown } | null)?.op;
    const op = typeof raw === 'string' ? raw.toLowerCase() : '';
    // LiteLLM's message (SCIMPatchOperation.normalize_op).
    if (op !== 'add' && op !== 'replace' && op !== 'remove') throw ScimErrors.INVALID_SYNTAX({ reason: 'op must be add, remove, or replace' });
    const path = (o as { path?: unknown }).path;
    if (path !== undefined && path !== null && typeof path !== 'string') throw ScimErrors.INVALID_PATH({ reason: 'path must be a string' });
    return { op, path: typeof path === 'string' && path.trim() !== '' ? path.trim() : undefined, value: (o as { value?: unknown }).value };
  });
}

/** What a user PATCH changes. */
export interface UserChanges {
  fields: Json;
  metadata: Json;
  active?: boolean;
  /** Teams after the patch, when a `groups` operation touched them. */
  teams?: Set<string>;
}

function stringOrNull(v: unknown, field: string): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw ScimErrors.INVALID_VALUE({ reason: `${field} must be a string` });
}

/** Group ids from a value (`[{"value": id}]`, `{"value": id}`, `"id"`) or a `groups[value eq "id"]` path. */
function groupIds(value: unknown, path: string): string[] {
  const ids: string[] = [];
  for (const v of Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]) {
    if (typeof v === 'string') ids.push(v);
    else if (v && typeof v === 'object' && typeof (v as Json).value === 'string') ids.push((v as Json).value as string);
  }
  const m = /^groups\s*\[\s*value\s+eq\s+"((?:\\.|[^"\\])*)"\s*\]$/i.exec(path);
  if (ids.length === 0 && m) ids.push(JSON.parse(`"${m[1]}"`) as string);
  return ids;
}

export function applyUserPatch(ops: readonly PatchOperation[], metadata: Json, teams: readonly string[]): UserChanges {
  const out: UserChanges = { fields: {}, metadata: { ...metadata } };
  const name = { ...((out.metadata[META.name] as Json | undefined) ?? {}) };
  const attributes = { ...((out.metadata[META.attributes] as Json | undefined) ?? {}) };
  const enterprise = { ...((out.metadata[META.enterprise] as Json | undefined) ?? {}) };
  let teamSet: Set<string> | undefined;

  const apply = (op: PatchOpName, rawPath: string, value: unknown): void => {
    const path = rawPath.toLowerCase();
    const remove = op === 'remove';
    if (path === 'active') {
      if (remove) throw ScimErrors.INVALID_VALUE({ reason: 'active cannot be removed; replace it with false' });
      out.active = parseBoolean(value, 'active');
    } else if (path === 'displayname') {
      out.fields.user_alias = remove ? null : stringOrNull(value, 'displayName');
    } else if (path === 'externalid') {
      out.fields.sso_user_id = remove ? null : stringOrNull(value, 'externalId');
    } else if (path === 'name' && !remove && value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value as Json)) apply(op, `name.${k}`, v);
    } else if (path === 'name') {
      for (const k of Object.keys(name)) delete name[k];
    } else if (path === 'name.givenname' || path === 'name.familyname' || path === 'name.formatted') {
      const key = path === 'name.givenname' ? 'givenName' : path === 'name.familyname' ? 'familyName' : 'formatted';
      if (remove) delete name[key];
      else name[key] = stringOrNull(value, rawPath);
    } else if (path === 'emails' || path.startsWith('emails[') || path.startsWith('emails.')) {
      // `emails` takes the list; `emails[type eq "work"].value` and `emails.value` the address.
      out.fields.user_email = remove ? null : path === 'emails' ? emailOf(Array.isArray(value) ? value : [value]) : stringOrNull(value, rawPath);
    } else if (path === 'groups' || path.startsWith('groups[')) {
      teamSet ??= new Set(teams);
      const ids = groupIds(value, rawPath);
      if (op === 'replace') teamSet = new Set(ids);
      else if (op === 'add') for (const id of ids) teamSet.add(id);
      else for (const id of ids) teamSet.delete(id);
    } else if (path === 'roles' || path === 'entitlements') {
      const key = path === 'roles' ? META.roles : META.entitlements;
      const list = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
      if (remove) delete out.metadata[key];
      else out.metadata[key] = op === 'add' && Array.isArray(out.metadata[key]) ? [...(out.metadata[key] as unknown[]), ...list] : list;
    } else if (path === ENTERPRISE_SCHEMA.toLowerCase()) {
      if (remove) for (const k of Object.keys(enterprise)) delete enterprise[k];
      else if (value && typeof value === 'object') Object.assign(enterprise, value);
    } else if (path.startsWith(`${ENTERPRISE_SCHEMA.toLowerCase()}:`)) {
      const attr = rawPath.slice(ENTERPRISE_SCHEMA.length + 1);
      if (remove) delete enterprise[attr];
      else enterprise[attr] = value;
    } else if (path === 'password' || path === 'id' || path === 'meta' || path === 'schemas' || path === 'username') {
      // A password is never stored; id and meta are the server's; userName is the user id, which does not change.
    } else {
      if (remove) delete attributes[rawPath];
      else attributes[rawPath] = value;
    }
  };

  for (const o of ops) {
    if (o.path !== undefined) {
      apply(o.op, o.path, o.value);
    } else if (o.op === 'remove') {
      throw ScimErrors.INVALID_PATH({ reason: 'remove needs a path' });
    } else if (o.value && typeof o.value === 'object' && !Array.isArray(o.value)) {
      for (const [k, v] of Object.entries(o.value as Json)) apply(o.op, k, v);
    } else {
      throw ScimErrors.INVALID_VALUE({ reason: `${o.op} without a path needs an object value` });
    }
  }
  out.metadata[META.name] = name;
  if (Object.keys(attributes).length > 0) out.metadata[META.attributes] = attributes;
  else delete out.metadata[META.attributes];
  if (Object.keys(enterprise).length > 0) out.metadata[META.enterprise] = enterprise;
  else delete out.metadata[META.enterprise];
  if (teamSet) out.teams = teamSet;
  return out;
}
