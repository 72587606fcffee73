/**
 * LiteLLM's spend views of the records this plugin keeps: /spend/keys (every key with its spend),
 * /spend/users (users with their spend) and /global/spend/reset (every key's and team's spend
 * back to 0, the spend logs kept). Read from the key and user tables, never the spend log.
 */
import type { RouteDefinition } from '@sluice/plugin-sdk';
import { entityView } from './entity-records.js';
import { first, positiveInt } from './field-checks.js';
import { keyView } from './key-record.js';
import { KEYS_TABLE } from './migrations.js';
import { TEAMS } from './entity-tables.js';
import { TenancyErrors } from './errors.js';
import { accessOf, isMasterKey, readsEverything } from './rbac.js';
import type { TenancyDeps } from './tenancy-deps.js';

const MAX_ROWS = 10_000;

export function spendViewRoutes(deps: TenancyDeps): RouteDefinition[] {
  const { ctx, stores, audit, entityChanged, invalidateKeys } = deps;
  return [
    {
      method: 'GET',
      url: '/spend/keys',
      access: accessOf('/spend/keys'),
      summary: 'Every key with its spend (LiteLLM_VerificationToken rows; `limit`)',
      tags: ['Budget & Spend Tracking'],
      handler: async (req) => {
        const limit = positiveInt(first(req.query.limit), 'limit', MAX_ROWS, MAX_ROWS);
        const { records } = await stores.keys.list({}, 1, limit);
        return { body: records.map(keyView) };
      },
    },
    {
      method: 'GET',
      url: '/spend/users',
      access: accessOf('/spend/users'),
      summary: "Users with their spend (`user_id` for one); a non-admin sees its own user only",
      tags: ['Budget & Spend Tracking'],
      handler: async (req) => {
        const p = req.principal!;
        const asked = first(req.query.user_id);
        const userId = readsEverything(p) ? asked : p.userId;
        if (userId !== undefined) {
          const user = await stores.users.find(userId);
          return { body: user ? [entityView(user)] : [] };
        }
        if (!readsEverything(p)) return { body: [] };
        const { records } = await stores.users.list({}, 1, MAX_ROWS);
        return { body: records.map((u) => entityView(u)) };
      },
    },
    {
      method: 'POST',
      url: '/global/spend/reset',
      access: accessOf('/global/spend/reset'),
      summary: "Set every key's and team's spend to 0 (spend logs are kept)",
      tags: ['Budget & Spend Tracking'],
      handler: async (req) => {
        if (!isMasterKey(req.principal!)) throw TenancyErrors.MASTER_KEY_ONLY({ route: '/global/spend/reset' });
        const knex = stores.users.knex;
        const hashes = ((await knex(KEYS_TABLE).where('spend', '>', 0).pluck('token_hash')) as string[]).map(String);
        await knex.transaction(async (trx) => {
          await trx(KEYS_TABLE).update({ spend: 0 });
          await trx(TEAMS.table).update({ spend: 0 });
        });
        await invalidateKeys(hashes);
        await entityChanged('spend-reset', 'all');
        await ctx.counters.publish(SPEND_RESET_CHANNEL, JSON.stringify({ kinds: ['key', 'team'] })).catch((err: Error) => ctx.log.warn({ err: err.message }, 'could not announce the spend reset'));
        audit(req, 'spend.reset', 'spend', 'all', undefined, { keys: hashes.length });
        return { body: { message: 'Spend for all API Keys and Teams reset successfully', status: 'success' } };
      },
    },
  ];
}

/** Announced on a global spend reset: budget windows of these scope kinds start again from 0. */
export const SPEND_RESET_CHANNEL = 'governance:spend-reset';
