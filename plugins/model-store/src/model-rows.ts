/**
 * The deployments table. `litellm_params` is stored as LiteLLM stores it: a JSON object whose
 * string values are each encrypted with the salt key (salt-encryption.ts), so neither the provider
 * key nor anything else of a deployment is readable without it. Every write bumps the version row
 * in the same transaction: that is what other instances poll.
 */
import type { Knex } from 'knex';
import { MODELS_TABLE, VERSION_TABLE } from './migrations.js';
import { ModelErrors } from './errors.js';
import type { AtRestEncryption } from './key-ring.js';

export interface ModelRow {
  model_id: string;
  model_name: string;
  /** Decrypted. */
  litellm_params: Record<string, unknown>;
  model_info: Record<string, unknown>;
  created_at: number;
  created_by: string;
  updated_at: number;
  updated_by: string;
  /** Changes whenever the stored row changes (its encrypted text), for cheap diffs. */
  fingerprint: string;
}

interface StoredRow {
  model_id: string;
  model_name: string;
  litellm_params: string;
  model_info: string;
  created_at: number | string;
  created_by: string;
  updated_at: number | string;
  updated_by: string;
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    // LiteLLM (Prisma) sometimes stores the JSON of a JSON string: unwrap once.
    const obj = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
    return obj && typeof obj === 'object' && !Array.isArray(obj) ? (obj as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export class ModelRows {
  constructor(
    private readonly knex: Knex,
    private readonly encryption: AtRestEncryption,
  ) {}

  /** Throws `NO_SALT_KEY` (as LiteLLM fails to write a model) when there is no key to encrypt with. */
  encryptParams(params: Record<string, unknown>): string {
    if (!this.encryption.hasKey) throw ModelErrors.NO_SALT_KEY();
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined) out[k] = typeof v === 'string' ? this.encryption.encrypt(v) : v;
    return JSON.stringify(out);
  }

  private decode(row: StoredRow): ModelRow {
    const params = parseObject(row.litellm_params);
    for (const [k, v] of Object.entries(params)) if (typeof v === 'string') params[k] = this.encryption.decrypt(v) ?? v;
    return {
      model_id: row.model_id,
      model_name: row.model_name,
      litellm_params: params,
      model_info: parseObject(row.model_info),
      created_at: Number(row.created_at),
      created_by: row.created_by,
      updated_at: Number(row.updated_at),
      updated_by: row.updated_by,
      fingerprint: `${row.model_name}\0${row.litellm_params}\0${row.model_info}\0${row.updated_at}`,
    };
  }

  async version(): Promise<number> {
    const row = (await this.knex(VERSION_TABLE).where({ id: 1 }).first('version')) as { version: number | string } | undefined;
    return Number(row?.version ?? 0);
  }

  async all(): Promise<ModelRow[]> {
    const rows = (await this.knex(MODELS_TABLE).select('*').orderBy('created_at', 'asc').orderBy('model_id', 'asc')) as StoredRow[];
    return rows.map((r) => this.decode(r));
  }

  async find(id: string): Promise<ModelRow | undefined> {
    const row = (await this.knex(MODELS_TABLE).where({ model_id: id }).first()) as StoredRow | undefined;
    return row ? this.decode(row) : undefined;
  }

  /** Inserts; false when the id is taken. */
  async insert(row: Omit<ModelRow, 'fingerprint'>): Promise<boolean> {
    return this.knex.transaction(async (trx) => {
      if (await trx(MODELS_TABLE).where({ model_id: row.model_id }).first('model_id')) return false;
      await trx(MODELS_TABLE).insert({
        model_id: row.model_id,
        model_name: row.model_name,
        litellm_params: this.encryptParams(row.litellm_params),
        model_info: JSON.stringify(row.model_info),
        created_at: row.created_at,
        created_by: row.created_by,
        updated_at: row.updated_at,
        updated_by: row.updated_by,
      });
      await trx(VERSION_TABLE).where({ id: 1 }).increment('version', 1);
      return true;
    });
  }

  async update(id: string, fields: { model_name: string; litellm_params: Record<string, unknown>; model_info: Record<string, unknown>; updated_at: number; updated_by: string }): Promise<boolean> {
    return this.knex.transaction(async (trx) => {
      const n = await trx(MODELS_TABLE)
        .where({ model_id: id })
        .update({
          model_name: fields.model_name,
          litellm_params: this.encryptParams(fields.litellm_params),
          model_info: JSON.stringify(fields.model_info),
          updated_at: fields.updated_at,
          updated_by: fields.updated_by,
        });
      if (n > 0) await trx(VERSION_TABLE).where({ id: 1 }).increment('version', 1);
      return n > 0;
    });
  }

  async delete(id: string): Promise<boolean> {
    return this.knex.transaction(async (trx) => {
      const n = await trx(MODELS_TABLE).where({ model_id: id }).delete();
      if (n > 0) await trx(VERSION_TABLE).where({ id: 1 }).increment('version', 1);
      return n > 0;
    });
  }
}
