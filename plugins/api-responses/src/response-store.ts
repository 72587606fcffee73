/**
 * Sluice's own record of responses. Translated responses (a chat deployment answered) live only
 * here: their input and output items rebuild the conversation of a `previous_response_id`
 * follow-up and answer GET / input_items. Native responses (the deployment serves the Responses
 * API) are kept for their owner and deployment, and their items too, so a follow-up that lands on
 * another deployment can still be given its conversation. A row larger than `maxBytes` keeps
 * ownership only; `store: false` keeps nothing.
 */
import type { Knex } from 'knex';
import type { JsonObject, Principal } from '@sluice/plugin-sdk';
import { RESPONSES_TABLE } from './migrations.js';

export interface StoredResponse {
  id: string;
  ownerId: string;
  teamId: string | null;
  model: string;
  deploymentId: string;
  native: boolean;
  previousResponseId: string | null;
  /** Undefined when the row was over the size bound (ownership only). */
  inputItems: JsonObject[] | undefined;
  response: JsonObject | undefined;
  createdAt: number;
  /** Characters of its stored JSON (items and response). */
  size: number;
}

interface Row {
  id: string;
  owner_id: string;
  team_id: string | null;
  model: string;
  deployment_id: string;
  native: number;
  previous_response_id: string | null;
  input_items: string | null;
  response: string | null;
  created_at: number | string;
  expires_at: number | string;
}

export interface StoreLimits {
  /** Largest input + output JSON kept per response, bytes. */
  maxBytes: number;
  retentionMs: number;
}

export class ResponseStore {
  constructor(
    private readonly knex: Knex,
    private readonly limits: StoreLimits,
    private readonly now: () => number,
  ) {}

  /** Keeps a response; returns false when its items were over the size bound (ownership was kept). */
  async save(r: Omit<StoredResponse, 'createdAt' | 'size'>): Promise<boolean> {
    const items = r.inputItems ? JSON.stringify(r.inputItems) : null;
    const response = r.response ? JSON.stringify(r.response) : null;
    const fits = Buffer.byteLength(items ?? '') + Buffer.byteLength(response ?? '') <= this.limits.maxBytes;
    const at = this.now();
    await this.knex(RESPONSES_TABLE).insert({
      id: r.id,
      owner_id: r.ownerId,
      team_id: r.teamId,
      model: r.model,
      deployment_id: r.deploymentId,
      native: r.native ? 1 : 0,
      previous_response_id: r.previousResponseId,
      input_items: fits ? items : null,
      response: fits ? response : null,
      created_at: at,
      expires_at: at + this.limits.retentionMs,
    });
    return fits;
  }

  /** The response when it exists, has not expired and `principal` may see it; else undefined (a 404, whichever it was). */
  async get(id: string, principal: Principal): Promise<StoredResponse | undefined> {
    const row = (await this.knex<Row>(RESPONSES_TABLE).where({ id }).first()) as Row | undefined;
    if (!row || Number(row.expires_at) <= this.now() || !mayAccess(row, principal)) return undefined;
    return {
      id: row.id,
      ownerId: row.owner_id,
      teamId: row.team_id,
      model: row.model,
      deploymentId: row.deployment_id,
      native: Number(row.native) === 1,
      previousResponseId: row.previous_response_id,
      inputItems: row.input_items === null ? undefined : (JSON.parse(row.input_items) as JsonObject[]),
      response: row.response === null ? undefined : (JSON.parse(row.response) as JsonObject),
      createdAt: Number(row.created_at),
      size: (row.input_items?.length ?? 0) + (row.response?.length ?? 0),
    };
  }

  async delete(id: string): Promise<void> {
    await this.knex(RESPONSES_TABLE).where({ id }).delete();
  }

  /**
   * The conversation a follow-up continues: each earlier response's input items then its output
   * items, oldest first. Undefined when a link is missing, not the caller's, or kept without items.
   */
  async conversation(
    id: string,
    principal: Principal,
    limits: { maxDepth: number; maxChars: number },
  ): Promise<{ items: JsonObject[]; head: StoredResponse } | 'too_deep' | 'too_large' | undefined> {
    const chain: StoredResponse[] = [];
    let chars = 0;
    let next: string | null = id;
    while (next !== null) {
      if (chain.length >= limits.maxDepth) return 'too_deep';
      const r = await this.get(next, principal);
      if (!r || !r.inputItems || !r.response) return undefined;
      chars += r.size;
      if (chars > limits.maxChars) return 'too_large';
      chain.push(r);
      next = r.previousResponseId;
    }
    const items: JsonObject[] = [];
    for (const r of chain.reverse()) {
      items.push(...r.inputItems!);
      const output = r.response!.output;
      if (Array.isArray(output)) for (const o of output) if (o && typeof o === 'object' && !Array.isArray(o)) items.push(o);
    }
    return { items, head: chain[chain.length - 1]! };
  }

  async purgeExpired(): Promise<number> {
    return this.knex(RESPONSES_TABLE).where('expires_at', '<=', this.now()).delete();
  }
}

/** The creator, a proxy admin, or an admin of the creator's team. */
function mayAccess(row: Row, p: Principal): boolean {
  if (row.owner_id === p.id || p.role === 'proxy_admin') return true;
  return row.team_id !== null && (p.adminOf?.teams.includes(row.team_id) ?? false);
}
