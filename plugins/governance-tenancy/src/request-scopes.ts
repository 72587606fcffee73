/**
 * preCall (stage AUTH): the parts of the limits a request names itself. The customer from the
 * body's `user` (refused here when blocked, before BUDGET reserves anything; created on first
 * use) and the tags with a tag record become scopes; the key's tags join `ctx.tags`.
 *
 * Customers and tags are cached per instance, so a warm request does no I/O; with no `user` and
 * no tags the hook returns before allocating anything.
 */
import type { CallContext, LimitScope, PluginContext } from '@sluice/plugin-sdk';
import type { BudgetRecord, CustomerRecord, TagRecord } from './entity-records.js';
import { newLimits } from './entity-records.js';
import { TenancyErrors } from './errors.js';
import { limitScope } from './scopes.js';
import type { Stores } from './tenancy-deps.js';
import { TtlCache } from './ttl-cache.js';

interface Resolved {
  blocked: boolean;
  scope: LimitScope | null;
}

export interface RequestScopes {
  preCall(call: CallContext): Promise<void>;
  clear(): void;
}

/** A model name's target under its team's aliases (LiteLLM's team `model_aliases`); the key's own come first. */
function teamAliasedModel(call: CallContext): string | undefined {
  const teamAliases = call.principal.metadata?.team_model_aliases as Record<string, string> | undefined;
  const model = call.body.model;
  if (teamAliases === undefined || typeof model !== 'string' || !Object.hasOwn(teamAliases, model)) return undefined;
  const target = teamAliases[model];
  return typeof target === 'string' && target !== model ? target : undefined;
}

/** `proxyScope`: the proxy budget every call carries (proxy-budget.ts), when one is set. */
export function requestScopes(ctx: PluginContext, stores: Stores, ttlMs: number, maxEntries: number, proxyScope?: LimitScope): RequestScopes {
  const customers = new TtlCache<Resolved>(ttlMs, maxEntries);
  const tags = new TtlCache<Resolved>(ttlMs, maxEntries);
  const loading = new Map<string, Promise<Resolved>>();

  const budgetOf = async (id: string | null): Promise<BudgetRecord | undefined> => (id ? stores.budgets.find(id) : undefined);

  const loadCustomer = async (user: string): Promise<Resolved> => {
    const epoch = customers.currentEpoch;
    const now = ctx.now();
    let record = await stores.customers.find(user);
    if (!record) {
      // First use: the row is written off the request path; two instances racing both ignore the conflict.
      record = { user_id: user, alias: null, blocked: false, budget_id: null, allowed_model_region: null, default_model: null, metadata: {}, ...newLimits({}, now) } as CustomerRecord;
      stores.customers.insertIfAbsent(record).catch((err: Error) => ctx.log.warn({ err: err.message, user }, 'could not record a new customer'));
    }
    const resolved = { blocked: record.blocked, scope: limitScope('customer', user, record, await budgetOf(record.budget_id), record.alias) };
    customers.set(user, resolved, now, epoch);
    return resolved;
  };

  const loadTag = async (name: string): Promise<Resolved> => {
    const epoch = tags.currentEpoch;
    const now = ctx.now();
    const record: TagRecord | undefined = await stores.tags.find(name);
    const resolved = { blocked: false, scope: record ? limitScope('tag', name, record, await budgetOf(record.budget_id), null) : null };
    tags.set(name, resolved, now, epoch);
    return resolved;
  };

  /** Concurrent first requests naming one customer or tag share one read. */
  const shared = (key: string, load: () => Promise<Resolved>): Promise<Resolved> => {
    let pending = loading.get(key);
    if (!pending) {
      pending = load().finally(() => loading.delete(key));
      loading.set(key, pending);
    }
    return pending;
  };

  return {
    clear() {
      customers.clear();
      tags.clear();
    },
    async preCall(call) {
      // LiteLLM's per-key model aliases (`aliases: {"mistral-7b": "gpt-3.5-turbo"}`); model access judges the target.
      const aliases = call.principal.metadata?.aliases as Readonly<Record<string, string>> | undefined;
      if (aliases !== undefined && typeof call.body.model === 'string' && Object.hasOwn(aliases, call.body.model)) call.body.model = aliases[call.body.model]!;
      const user = call.body.user;
      const keyTags = call.principal.metadata?.tags as readonly string[] | undefined;
      const hasUser = typeof user === 'string' && user.length > 0;
      const hasKeyTags = keyTags !== undefined && keyTags.length > 0;
      // Team model aliases rename the model before the model-access check judges the target.
      const target = teamAliasedModel(call);
      if (target !== undefined) call.body.model = target;
      if (proxyScope) call.scopes = [...call.scopes, proxyScope];
      if (!hasUser && call.tags.length === 0 && !hasKeyTags) return;
      const now = ctx.now();
      const added: LimitScope[] = [];
      if (hasUser) {
        const c = customers.get(user, now) ?? (await shared(`c:${user}`, () => loadCustomer(user)));
        if (c.blocked) throw TenancyErrors.CUSTOMER_BLOCKED({ user });
        // An identity's end user (a JWT's end_user_id claim) is already a scope: counted once.
        if (c.scope && !call.scopes.some((x) => x.kind === 'customer' && x.id === user)) added.push(c.scope);
      }
      if (hasKeyTags) {
        const merged = [...call.tags];
        for (const t of keyTags) if (!merged.includes(t)) merged.push(t);
        call.tags = merged;
      }
      for (const name of call.tags) {
        const t = tags.get(name, now) ?? (await shared(`t:${name}`, () => loadTag(name)));
        if (t.scope) added.push(t.scope);
      }
      if (added.length > 0) call.scopes = [...call.scopes, ...added];
    },
  };
}
