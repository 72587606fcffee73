/** LiteLLM's reusable budgets (`budget_id`), referenced by keys, organizations, projects, customers and tags. */
import { randomUUID } from 'node:crypto';
import type { RouteDefinition } from '@sluice/plugin-sdk';
import { entityView, newLimits, type BudgetRecord } from './entity-records.js';
import { isUniqueViolation } from './entity-store.js';
import { TenancyErrors } from './errors.js';
import { invalid, LIMIT_FIELDS, modelMaxBudget, parseFields, requiredId, stringList, type Check } from './field-checks.js';
import { accessOf } from './rbac.js';
import { mustFind, type TenancyDeps } from './tenancy-deps.js';

const FIELDS: Record<string, Check> = { ...LIMIT_FIELDS, model_max_budget: modelMaxBudget };

export function budgetRoutes(deps: TenancyDeps): RouteDefinition[] {
  const { ctx, stores, audit, entityChanged } = deps;
  const view = (b: BudgetRecord) => {
    const { spend: _unused, ...rest } = entityView(b);
    void _unused;
    return rest;
  };
  return [
    {
      method: 'POST',
      url: '/budget/new',
      access: accessOf('/budget/new'),
      summary: 'Create a budget other records can reference by budget_id',
      handler: async (req) => {
        const { input, fields } = parseFields(req.body, '/budget/new', FIELDS, ['budget_id']);
        const id = input.budget_id === undefined || input.budget_id === null ? randomUUID() : requiredId(input, 'budget_id');
        const { spend: _s, ...limits } = newLimits(fields, ctx.now());
        void _s;
        const budget = { model_max_budget: {}, ...limits, budget_id: id } as unknown as BudgetRecord;
        try {
          await stores.budgets.insert(budget);
        } catch (err) {
          if (isUniqueViolation(err)) throw TenancyErrors.EXISTS({ entity: 'Budget', id, field: 'budget_id' }, { param: 'budget_id' });
          throw err;
        }
        await entityChanged('budget', id);
        audit(req, 'budget.new', 'budget', id, undefined, view(budget));
        return { body: view(budget) };
      },
    },
    {
      method: 'POST',
      url: '/budget/info',
      access: accessOf('/budget/info'),
      summary: 'Budgets by id',
      handler: async (req) => {
        const input = parseFields(req.body, '/budget/info', {}, ['budgets']).input;
        const ids = stringList(input.budgets, 'budgets') as string[];
        if (ids.length === 0) throw invalid('budgets', 'expected a non-empty list of budget ids');
        const out = [];
        for (const id of ids) out.push(view(await mustFind(stores.budgets, id)));
        return { body: out };
      },
    },
  ];
}
