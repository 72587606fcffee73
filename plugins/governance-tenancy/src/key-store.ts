/**
 * The keys table. JSON columns are text and times bigint (see migrations.ts); pg hands bigints
 * back as strings and SQLite booleans as 0/1, so every row goes through `fromRow`.
 */
import type { Knex } from 'knex';
import type { KeyRecord } from './key-record.js';
import { GRACE_TABLE, KEYS_TABLE } from './migrations.js';
import { KeyErrors } from './errors.js';

type Row = Record<string, unknown>;

const JSON_FIELDS = [
  'models', 'metadata', 'permissions', 'enforced_params', 'guardrails', 'tags', 'model_max_budget', 'model_rpm_limit', 'model_tpm_limit', 'controls_set_by',
  'aliases', 'config', 'allowed_cache_controls', 'allowed_routes', 'object_permission',
] as const;
const NULLABLE_BOOLS = ['send_invite_email', 'auto_rotate'] as const;
const INT_FIELDS = ['rpm_limit', 'tpm_limit', 'max_parallel_requests', 'expires_at', 'created_at', 'updated_at', 'temp_budget_expiry', 'budget_reset_at', 'key_rotation_at', 'last_rotation_at'] as const;
const FLOAT_FIELDS = ['max_budget', 'soft_budget', 'spend', 'temp_budget_increase'] as const;

function toRow(r: Partial<KeyRecord>): Row {
  const { token, ...rest } = r;
  const row: Row = { ...rest };
  if (token !== undefined) row.token_hash = token;
  for (const f of JSON_FIELDS) if (f in row) row[f] = JSON.stringify(row[f]);
  return row;
}

function fromRow(row: Row): KeyRecord {
  const out: Row = { ...row, token: row.token_hash };
  delete out.token_hash;
  for (const f of JSON_FIELDS) out[f] = JSON.parse(String(row[f]));
  for (const f of [...INT_FIELDS, ...FLOAT_FIELDS]) out[f] = row[f] === null || row[f] === undefined ? null : Number(row[f]);
  out.spend = (out.spend as number | null) ?? 0;
  out.rotation_count = Number(row.rotation_count ?? 0);
  out.blocked = row.blocked === true || row.blocked === 1 || row.blocked === '1';
  for (const f of NULLABLE_BOOLS) out[f] = row[f] === null || row[f] === undefined ? null : row[f] === true || row[f] === 1 || row[f] === '1';
  return out as unknown as KeyRecord;
}

export interface ListFilter {
  user_id?: string;
  team_id?: string;
  organization_id?: string;
  key_alias?: string;
  /** Epoch ms: only keys due for scheduled rotation then (auto_rotate on, an interval, key_rotation_at passed or unset). */
  rotation_due_at?: number;
}

/** What a non-admin may see: keys matching any of these (RBAC narrows /key/list with it). */
export interface OwnerFilter {
  user_id?: string;
  team_ids?: readonly string[];
  organization_ids?: readonly string[];
  token?: string;
}

function ownedBy(w: Knex.QueryBuilder, owner: OwnerFilter): void {
  w.whereRaw('1 = 0');
  if (owner.user_id) w.orWhere('user_id', owner.user_id);
  if (owner.token) w.orWhere('token_hash', owner.token);
  if (owner.team_ids?.length) w.orWhereIn('team_id', owner.team_ids as string[]);
  if (owner.organization_ids?.length) w.orWhereIn('organization_id', owner.organization_ids as string[]);
}

export class KeyStore {
  constructor(private readonly knex: Knex) {}

  /**
   * `beforeCommit` runs inside the transaction after the write (the secret manager write,
   * key-secrets.ts): when it throws, nothing is kept.
   */
  async insert(record: KeyRecord, beforeCommit?: () => Promise<void>): Promise<void> {
    if (!beforeCommit) {
      await this.knex(KEYS_TABLE).insert(toRow(record));
      return;
    }
    await this.knex.transaction(async (trx) => {
      await trx(KEYS_TABLE).insert(toRow(record));
      await beforeCommit();
    });
  }

  async find(token: string): Promise<KeyRecord | undefined> {
    const row = await this.knex(KEYS_TABLE).where('token_hash', token).first();
    return row ? fromRow(row as Row) : undefined;
  }

  /** The key an old (regenerated) hash stands for while its grace period lasts. */
  async findGrace(oldToken: string, now: number): Promise<{ token: string; revokeAt: number } | undefined> {
    const row = await this.knex(GRACE_TABLE).where('old_token_hash', oldToken).where('revoke_at', '>', now).first();
    return row ? { token: String(row.token_hash), revokeAt: Number(row.revoke_at) } : undefined;
  }

  async update(token: string, patch: Partial<KeyRecord>): Promise<KeyRecord | undefined> {
    const changed = await this.knex(KEYS_TABLE).where('token_hash', token).update(toRow(patch));
    return changed > 0 ? this.find(token) : undefined;
  }

  /** Deletes the keys and any grace hashes pointing at them; returns how many keys went. */
  async delete(tokens: string[], beforeCommit?: () => Promise<void>): Promise<number> {
    return this.knex.transaction(async (trx) => {
      await trx(GRACE_TABLE).whereIn('token_hash', tokens).delete();
      const n = Number(await trx(KEYS_TABLE).whereIn('token_hash', tokens).delete());
      await beforeCommit?.();
      return n;
    });
  }

  /**
   * Moves a key to a new hash in one transaction. With `graceUntil` the old hash keeps working
   * until then; without it the old hash stops at once (and so do its older grace hashes).
   */
  async rehash(oldToken: string, next: KeyRecord, graceUntil: number | undefined, beforeCommit?: () => Promise<void>): Promise<void> {
    await this.knex.transaction(async (trx) => {
      // Two regenerations of one key at once (two instances' rotation jobs): the second finds nothing to move.
      if (Number(await trx(KEYS_TABLE).where('token_hash', oldToken).delete()) === 0) throw KeyErrors.KEY_NOT_FOUND({ tokens: oldToken });
      await trx(KEYS_TABLE).insert(toRow(next));
      if (graceUntil === undefined) {
        await trx(GRACE_TABLE).where('token_hash', oldToken).delete();
      } else {
        await trx(GRACE_TABLE).where('token_hash', oldToken).update({ token_hash: next.token });
        await trx(GRACE_TABLE).insert({ old_token_hash: oldToken, token_hash: next.token, revoke_at: graceUntil });
      }
      // LiteLLM's _cleanup_expired_deprecated_keys, run with each regeneration: grace hashes past their time.
      await trx(GRACE_TABLE).where('revoke_at', '<=', next.updated_at).delete();
      await beforeCommit?.();
    });
  }

  /** Old hashes that still point at `token` (dropped from caches when it changes). */
  async graceTokensOf(token: string): Promise<string[]> {
    const rows = await this.knex(GRACE_TABLE).where('token_hash', token).select('old_token_hash');
    return rows.map((r: Row) => String(r.old_token_hash));
  }

  async addSpend(token: string, amount: number, trx: Knex = this.knex): Promise<void> {
    await trx(KEYS_TABLE).where('token_hash', token).increment('spend', amount);
  }

  async tokensWhere(field: 'team_id' | 'project_id' | 'user_id', ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.knex(KEYS_TABLE).whereIn(field, ids as string[]).select('token_hash');
    return rows.map((r: Row) => String(r.token_hash));
  }

  async countBy(field: 'team_id' | 'project_id' | 'user_id', ids: readonly string[]): Promise<number> {
    const [{ n }] = (await this.knex(KEYS_TABLE).whereIn(field, ids as string[]).count({ n: '*' })) as Array<{ n: number | string }>;
    return Number(n);
  }

  /** Another key holding `alias` (LiteLLM requires key aliases to be unique), ignoring `except`. */
  async aliasTaken(alias: string, except?: string): Promise<boolean> {
    let q = this.knex(KEYS_TABLE).where('key_alias', alias);
    if (except) q = q.whereNot('token_hash', except);
    return (await q.first('token_hash')) !== undefined;
  }

  /** Every key alias in use, unique and sorted (LiteLLM's `/key/aliases`). */
  async aliases(owner?: OwnerFilter, teamId?: string): Promise<string[]> {
    let q = this.knex(KEYS_TABLE).whereNotNull('key_alias');
    if (teamId) q = q.where('team_id', teamId);
    if (owner) q = q.where((w) => ownedBy(w, owner));
    const rows = await q.distinct('key_alias').orderBy('key_alias');
    return rows.map((r: Row) => String(r.key_alias)).filter((a) => a.length > 0);
  }

  async tokensByAlias(aliases: string[]): Promise<string[]> {
    const rows = await this.knex(KEYS_TABLE).whereIn('key_alias', aliases).select('token_hash');
    return rows.map((r: Row) => String(r.token_hash));
  }

  async list(filter: ListFilter, page: number, size: number, owner?: OwnerFilter): Promise<{ records: KeyRecord[]; total: number }> {
    const base = () => {
      let q = this.knex(KEYS_TABLE);
      const { rotation_due_at: dueAt, ...fields } = filter;
      for (const [field, value] of Object.entries(fields)) if (value !== undefined) q = q.where(field, value);
      // LiteLLM's KeyRotationManager._find_keys_needing_rotation (plus an interval, without which a key would rotate every round).
      if (dueAt !== undefined) {
        q = q.where('auto_rotate', true).whereNotNull('rotation_interval').where((w) => w.whereNull('key_rotation_at').orWhere('key_rotation_at', '<=', dueAt));
      }
      if (owner) q = q.where((w) => ownedBy(w, owner));
      return q;
    };
    const [{ n }] = (await base().count({ n: '*' })) as Array<{ n: number | string }>;
    const rows = await base().orderBy([{ column: 'created_at', order: 'desc' }, { column: 'token_hash' }]).limit(size).offset((page - 1) * size);
    return { records: rows.map((r: Row) => fromRow(r)), total: Number(n) };
  }
}
