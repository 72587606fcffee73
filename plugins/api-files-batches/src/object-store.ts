/**
 * The plugin's rows: files and batches with their owner and where they live. Every read by id
 * is one primary-key lookup; listings use the owner indexes and a keyset cursor (`after`).
 */
import type { Knex } from 'knex';
import type { JsonObject } from '@sluice/plugin-sdk';
import type { StoredRoute } from './destination.js';
import { BATCHES_TABLE, FILES_TABLE } from './migrations.js';
import type { Owner, OwnedRow } from './ownership.js';

interface CommonRow extends OwnedRow, StoredRoute {
  id: string;
  upstream_id: string;
  key_id: string;
  created_at: number;
  object: string;
}

export interface FileRow extends CommonRow {
  purpose: string;
}

export interface BatchRow extends CommonRow {
  status: string;
  priced_at: number | null;
  cost: number | null;
}

export interface Page<T> {
  rows: T[];
  hasMore: boolean;
}

export interface ListQuery {
  /** Rows created by this owner id or shared with this team; undefined lists every row (admins). */
  owner: { createdBy: string | null; teamId: string | null } | undefined;
  limit: number;
  after?: string;
  order: 'asc' | 'desc';
  purpose?: string;
}

export class ObjectStore {
  constructor(private readonly knex: Knex) {}

  async insertFile(row: { id: string; upstreamId: string; purpose: string; owner: Owner; route: StoredRoute; object: JsonObject }, ignoreExisting = false): Promise<void> {
    const values = {
      id: row.id,
      upstream_id: row.upstreamId,
      purpose: row.purpose,
      ...ownerColumns(row.owner),
      ...row.route,
      created_at: Date.now(),
      object: JSON.stringify(row.object),
    };
    if (ignoreExisting) await this.knex(FILES_TABLE).insert(values).onConflict('id').ignore();
    else await this.knex(FILES_TABLE).insert(values);
  }

  async file(id: string): Promise<FileRow | undefined> {
    return normalize(await this.knex<FileRow>(FILES_TABLE).where({ id }).first());
  }

  async deleteFile(id: string): Promise<void> {
    await this.knex(FILES_TABLE).where({ id }).delete();
  }

  async listFiles(q: ListQuery): Promise<Page<FileRow>> {
    return this.list<FileRow>(FILES_TABLE, q);
  }

  async insertBatch(row: { id: string; upstreamId: string; status: string; owner: Owner; route: StoredRoute; object: JsonObject }): Promise<void> {
    await this.knex(BATCHES_TABLE).insert({
      id: row.id,
      upstream_id: row.upstreamId,
      status: row.status,
      ...ownerColumns(row.owner),
      ...row.route,
      created_at: Date.now(),
      object: JSON.stringify(row.object),
    });
  }

  async batch(id: string): Promise<BatchRow | undefined> {
    return normalize(await this.knex<BatchRow>(BATCHES_TABLE).where({ id }).first());
  }

  async updateBatch(id: string, status: string, object: JsonObject): Promise<void> {
    await this.knex(BATCHES_TABLE).where({ id }).update({ status, object: JSON.stringify(object) });
  }

  /**
   * Marks the batch priced at `cost`, if no one did yet: true for the one caller (of all
   * concurrent retrieves, on every instance) whose conditional update took the row.
   */
  async claimPricing(id: string, cost: number): Promise<boolean> {
    const updated = await this.knex(BATCHES_TABLE).where({ id }).whereNull('priced_at').update({ priced_at: Date.now(), cost });
    return Number(updated) === 1;
  }

  async listBatches(q: ListQuery): Promise<Page<BatchRow>> {
    return this.list<BatchRow>(BATCHES_TABLE, q);
  }

  private async list<T extends CommonRow>(table: string, q: ListQuery): Promise<Page<T>> {
    let query = this.knex<T>(table).select('*');
    if (q.owner) {
      const { createdBy, teamId } = q.owner;
      query = query.where((w) => {
        if (createdBy !== null) w.orWhere('created_by', createdBy);
        if (teamId !== null) w.orWhere('team_id', teamId);
        if (createdBy === null && teamId === null) w.whereRaw('1 = 0');
      });
    }
    if (q.purpose !== undefined) query = query.where('purpose', q.purpose);
    if (q.after !== undefined) {
      const cursor = (await this.knex(table).select('created_at', 'id').where('id', q.after).first()) as { created_at: number | string; id: string } | undefined;
      if (cursor) {
        const at = Number(cursor.created_at);
        const cmp = q.order === 'desc' ? '<' : '>';
        query = query.where((w) => w.where('created_at', cmp, at).orWhere((x) => x.where('created_at', at).andWhere('id', cmp, cursor.id)));
      }
    }
    const rows = (await query.orderBy([{ column: 'created_at', order: q.order }, { column: 'id', order: q.order }]).limit(q.limit + 1)) as T[];
    return { rows: rows.slice(0, q.limit).map((r) => normalize(r)!), hasMore: rows.length > q.limit };
  }
}

function ownerColumns(o: Owner) {
  return { created_by: o.createdBy, team_id: o.teamId, key_id: o.keyId };
}

/** Postgres returns bigint columns as strings. */
function normalize<T extends { created_at: number }>(row: T | undefined): T | undefined {
  if (!row) return row;
  const out = { ...row, created_at: Number(row.created_at) };
  const priced = (out as { priced_at?: unknown }).priced_at;
  if (priced !== undefined && priced !== null) (out as { priced_at?: unknown }).priced_at = Number(priced);
  return out;
}

/** The stored JSON object of a row. */
export function storedObject(row: { object: string }): JsonObject {
  return JSON.parse(row.object) as JsonObject;
}
