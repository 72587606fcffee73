/**
 * LiteLLM's customers (end users, named by a request's `user`): /customer/new, /customer/update,
 * /customer/info, /customer/delete, /customer/list, /customer/block, /customer/unblock, the same
 * under LiteLLM's other name `/end_user/*`, and `/user/unblock` (the spec's way to unblock
 * customers). Blocking creates unknown customers.
 */
import type { RouteDefinition, RouteRequest } from '@sluice/plugin-sdk';
import { CUSTOMER_UNBLOCK_CHANNEL, type CustomerUnblock } from './customer-unblock.js';
import { budgetTableOf, entityView, newLimits, nextReset, type CustomerRecord } from './entity-records.js';
import { isUniqueViolation } from './entity-store.js';
import { TenancyErrors } from './errors.js';
import { bool, budget, first, idList, invalid, LIMIT_FIELDS, nullableString, object, orUnset, parseFields, requiredId, type Check } from './field-checks.js';
import { CUSTOMER_DEFAULTS, CUSTOMER_STORED, moveExtras, storedOnly } from './litellm-extras.js';
import { accessOf } from './rbac.js';
import { mustFind, type TenancyDeps } from './tenancy-deps.js';

const region: Check = (v, f) => {
  if (v === null || v === 'eu' || v === 'us') return v;
  throw invalid(f, 'expected "eu", "us" or null');
};

/** LiteLLM's NewCustomerRequest / UpdateCustomerRequest (null leaves `blocked`, `metadata`, `spend` as they are). */
const FIELDS: Record<string, Check> = {
  alias: nullableString,
  blocked: orUnset(bool),
  budget_id: nullableString,
  allowed_model_region: region,
  default_model: nullableString,
  metadata: orUnset(object),
  spend: orUnset(budget),
  ...LIMIT_FIELDS,
  ...storedOnly(CUSTOMER_STORED),
};

export function customerRoutes(deps: TenancyDeps): RouteDefinition[] {
  const { ctx, stores, audit, entityChanged } = deps;

  // Every field of LiteLLM_EndUserTable.
  const view = async (c: CustomerRecord) => ({ ...CUSTOMER_DEFAULTS, ...entityView(c), litellm_budget_table: budgetTableOf(c, c.budget_id ? await stores.budgets.find(c.budget_id) : undefined) });

  const fresh = (id: string, fields: Record<string, unknown>): CustomerRecord =>
    ({ alias: null, blocked: false, budget_id: null, allowed_model_region: null, default_model: null, metadata: {}, ...newLimits(fields, ctx.now()), user_id: id }) as CustomerRecord;

  const checkRefs = async (fields: Record<string, unknown>) => {
    if (typeof fields.budget_id === 'string') await mustFind(stores.budgets, fields.budget_id, 'budget_id');
    if (typeof fields.default_model === 'string' && !ctx.models.has(fields.default_model)) {
      throw invalid('default_model', `Default Model not on proxy. Configure via config.yaml. Default_model=${fields.default_model}`);
    }
  };

  const setBlocked = (blocked: boolean, route: '/customer/block' | '/customer/unblock' | '/user/unblock'): RouteDefinition => ({
    method: 'POST',
    url: route,
    access: accessOf(route),
    summary: blocked ? 'Refuse every call naming these customers' : 'Let these customers call again',
    handler: async (req: RouteRequest) => {
      const ids = idList(parseFields(req.body, route, {}, ['user_ids']).input, 'user_ids');
      const records = [];
      for (const id of ids) {
        const before = await stores.customers.find(id);
        if (!before) await stores.customers.insertIfAbsent({ ...fresh(id, {}), blocked });
        const after = (await stores.customers.update(id, { blocked, updated_at: ctx.now() }))!;
        audit(req, blocked ? 'customer.block' : 'customer.unblock', 'customer', id, before && entityView(before), entityView(after));
        records.push(await view(after));
      }
      await entityChanged('customer', ids.join(','));
      if (blocked) return { body: { blocked_users: records } };
      // Also off LiteLLM's blocked_user_list, on every instance (guardrail-blocked-users listens).
      const message: CustomerUnblock = { userIds: ids };
      await ctx.counters.publish(CUSTOMER_UNBLOCK_CHANNEL, JSON.stringify(message)).catch((err: Error) => ctx.log.warn({ err: err.message }, 'could not announce unblocked customers'));
      // LiteLLM answers with who is still blocked.
      const stillBlocked = (await stores.customers.knex(stores.customers.def.table).where('blocked', true).orderBy('user_id').limit(10_000).pluck('user_id')) as string[];
      return { body: { blocked_users: stillBlocked, unblocked_users: records } };
    },
  });

  const routes: RouteDefinition[] = [
    {
      method: 'POST',
      url: '/customer/new',
      access: accessOf('/customer/new'),
      summary: 'Create a customer (end user)',
      handler: async (req) => {
        const { input, fields } = parseFields(req.body, '/customer/new', FIELDS, ['user_id']);
        const id = requiredId(input, 'user_id');
        await checkRefs(fields);
        moveExtras(fields, CUSTOMER_STORED, undefined);
        const customer = fresh(id, fields);
        try {
          await stores.customers.insert(customer);
        } catch (err) {
          if (isUniqueViolation(err)) {
            throw TenancyErrors.INVALID_FIELD({ field: 'user_id', reason: `Customer already exists, passed user_id=${id}. Please pass a new user_id.` }, { param: 'user_id' });
          }
          throw err;
        }
        await entityChanged('customer', id);
        const shown = await view(customer);
        audit(req, 'customer.new', 'customer', id, undefined, shown);
        return { body: shown };
      },
    },
    {
      method: 'POST',
      url: '/customer/update',
      access: accessOf('/customer/update'),
      summary: 'Change a customer (partial update)',
      handler: async (req) => {
        const { input, fields } = parseFields(req.body, '/customer/update', FIELDS, ['user_id']);
        const before = await mustFind(stores.customers, requiredId(input, 'user_id'));
        await checkRefs(fields);
        moveExtras(fields, CUSTOMER_STORED, before);
        if ('budget_duration' in fields) fields.budget_reset_at = nextReset(fields.budget_duration as string | null, ctx.now());
        const after = (await stores.customers.update(before.user_id, { ...fields, updated_at: ctx.now() } as Partial<CustomerRecord>))!;
        await entityChanged('customer', after.user_id);
        audit(req, 'customer.update', 'customer', after.user_id, entityView(before), entityView(after));
        return { body: await view(after) };
      },
    },
    {
      method: 'GET',
      url: '/customer/info',
      access: accessOf('/customer/info'),
      summary: "A customer's record and spend",
      handler: async (req) => {
        const id = first(req.query.end_user_id) ?? first(req.query.user_id);
        if (!id) throw invalid('end_user_id', 'end_user_id is required');
        return { body: await view(await mustFind(stores.customers, id, 'end_user_id')) };
      },
    },
    {
      method: 'POST',
      url: '/customer/delete',
      access: accessOf('/customer/delete'),
      summary: 'Delete customers',
      handler: async (req) => {
        const ids = idList(parseFields(req.body, '/customer/delete', {}, ['user_ids']).input, 'user_ids');
        const records = [];
        for (const id of ids) records.push(await mustFind(stores.customers, id));
        await stores.customers.delete(ids);
        await entityChanged('customer', ids.join(','));
        for (const r of records) audit(req, 'customer.delete', 'customer', r.user_id, entityView(r), undefined);
        // LiteLLM's answer: the number deleted and a message naming them.
        return { body: { deleted_customers: ids.length, message: `Successfully deleted customers with ids: ${pythonList(ids)}` } };
      },
    },
    {
      method: 'GET',
      url: '/customer/list',
      access: accessOf('/customer/list'),
      summary: 'Every customer',
      handler: async () => {
        const { records } = await stores.customers.list({}, 1, 100_000);
        const out = [];
        for (const c of records) out.push(await view(c));
        return { body: out };
      },
    },
    setBlocked(true, '/customer/block'),
    setBlocked(false, '/customer/unblock'),
  ];
  // LiteLLM serves each customer route under /end_user/ too: same handlers, same access.
  const endUser = routes.map((r) => ({ ...r, url: r.url.replace('/customer/', '/end_user/'), summary: `${r.summary} (LiteLLM's /end_user/ name)` }));
  return [...routes, ...endUser, setBlocked(false, '/user/unblock')];
}

/** A list as Python prints it (`['a', 'b']`), for messages LiteLLM builds with str(list). */
function pythonList(items: readonly string[]): string {
  return `[${items.map((i) => `'${i}'`).join(', ')}]`;
}
