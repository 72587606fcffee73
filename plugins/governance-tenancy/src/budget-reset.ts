/**
 * Budget windows on the records: an entity with `budget_duration` has its stored `spend` set back
 * to 0 when `budget_reset_at` passes, and `budget_reset_at` moved to the end of the aligned window
 * `now` is in (LiteLLM's get_budget_reset_time; the limit scopes count the same windows). A counters lock makes one
 * instance do it per round.
 */
import type { Knex } from 'knex';
import type { PluginContext } from '@sluice/plugin-sdk';
import { nextReset } from './entity-records.js';
import { CUSTOMERS, ORGANIZATIONS, PROJECTS, TAGS, TEAMS, USERS } from './entity-tables.js';

const LOCK = 'governance-tenancy:budget-reset';
const TABLES: Array<{ table: string; id: string }> = [
  { table: 'sluice_virtual_keys', id: 'token_hash' },
  ...[USERS, TEAMS, ORGANIZATIONS, PROJECTS, CUSTOMERS, TAGS].map((d) => ({ table: d.table, id: d.id })),
];

/** Resets what is due; returns how many records were reset (0 when another instance holds the lock). */
export async function resetDueBudgets(ctx: PluginContext, lockTtlMs: number): Promise<number> {
  const token = await ctx.counters.acquireLock(LOCK, lockTtlMs);
  if (token === null) return 0;
  try {
    const knex = ctx.database.knex as Knex;
    const now = ctx.now();
    let reset = 0;
    for (const { table, id } of TABLES) {
      const due = await knex(table).whereNotNull('budget_duration').whereNotNull('budget_reset_at').where('budget_reset_at', '<=', now).select(id, 'budget_duration');
      for (const row of due) {
        // LiteLLM (reset_budget_job): the next reset is get_budget_reset_time from now.
        const next = nextReset(row.budget_duration as string, now);
        await knex(table).where(id, row[id]).update({ spend: 0, budget_reset_at: next });
        reset++;
      }
    }
    return reset;
  } finally {
    await ctx.counters.releaseLock(LOCK, token);
  }
}
