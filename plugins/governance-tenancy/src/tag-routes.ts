/** LiteLLM's tags with limits and spend: /tag/new, /tag/info, /tag/list. */
import type { RouteDefinition } from '@sluice/plugin-sdk';
import { budgetTableOf, entityView, newLimits, type TagRecord } from './entity-records.js';
import { isUniqueViolation } from './entity-store.js';
import { TenancyErrors } from './errors.js';
import { invalid, LIMIT_FIELDS, nullableString, object, parseFields, requiredId, stringList, type Check } from './field-checks.js';
import { accessOf } from './rbac.js';
import { mustFind, type TenancyDeps } from './tenancy-deps.js';

const FIELDS: Record<string, Check> = {
  description: nullableString,
  models: stringList,
  budget_id: nullableString,
  metadata: object,
  ...LIMIT_FIELDS,
};

export function tagRoutes(deps: TenancyDeps): RouteDefinition[] {
  const { ctx, stores, audit, entityChanged } = deps;

  const view = async (t: TagRecord) => ({ ...entityView(t), litellm_budget_table: budgetTableOf(t, t.budget_id ? await stores.budgets.find(t.budget_id) : undefined) });

  return [
    {
      method: 'POST',
      url: '/tag/new',
      access: accessOf('/tag/new'),
      summary: 'Create a tag with limits',
      handler: async (req) => {
        const { input, fields } = parseFields(req.body, '/tag/new', FIELDS, ['name']);
        const name = requiredId(input, 'name');
        if (typeof fields.budget_id === 'string') await mustFind(stores.budgets, fields.budget_id, 'budget_id');
        const tag = { description: null, budget_id: null, models: [], metadata: {}, ...newLimits(fields, ctx.now()), name } as TagRecord;
        try {
          await stores.tags.insert(tag);
        } catch (err) {
          if (isUniqueViolation(err)) throw TenancyErrors.EXISTS({ entity: 'Tag', id: name, field: 'name' }, { param: 'name' });
          throw err;
        }
        await entityChanged('tag', name);
        const shown = await view(tag);
        audit(req, 'tag.new', 'tag', name, undefined, shown);
        return { body: { message: `Tag ${name} created successfully`, tag: shown } };
      },
    },
    {
      method: 'POST',
      url: '/tag/info',
      access: accessOf('/tag/info'),
      summary: 'Tags by name',
      handler: async (req) => {
        const input = parseFields(req.body, '/tag/info', {}, ['names']).input;
        const names = stringList(input.names, 'names') as string[];
        if (names.length === 0) throw invalid('names', 'expected a non-empty list of tag names');
        const out: Record<string, unknown> = {};
        for (const n of names) out[n] = await view(await mustFind(stores.tags, n, 'name'));
        return { body: out };
      },
    },
    {
      method: 'GET',
      url: '/tag/list',
      access: accessOf('/tag/list'),
      summary: 'Every tag',
      handler: async () => {
        const { records } = await stores.tags.list({}, 1, 100_000);
        const out = [];
        for (const t of records) out.push(await view(t));
        return { body: out };
      },
    },
  ];
}
