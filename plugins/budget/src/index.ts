/**
 * Budgets: every hard budget of a call's scopes is checked by reserving an estimate of the call's
 * price in the window's counter before the call (atomic, so concurrent calls cannot all slip
 * under the limit), and the estimate is replaced by the actual cost when the call ends. Spend is
 * persisted per scope and window so counters start from it after a restart. Soft budgets alert
 * once per window. With no budget on any scope of a call, preCall returns at once.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { definePlugin, teamMemberOfScopeId, type CallContext, type PluginContext, type SpendEvent } from '@sluice/plugin-sdk';
import { EmailChannel, SlackChannel, WebhookChannel, type AlertChannel } from './alert-channels.js';
import { budgetLimitsOf, settledKey, type BudgetLimit } from './budget-limits.js';
import { choicesOf, estimateCompletionTokens, estimatePromptTokens, requestedCompletionTokens } from './call-estimate.js';
import type { BudgetConfig } from './config.generated.js';
import { BudgetErrors } from './errors.js';
import { COMPLETION_SIZES_CHANNEL, LearnedCompletions } from './learned-completions.js';
import { MIGRATIONS } from './migrations.js';
import { litellmBudgetImporter } from './litellm-import.js';
import { SoftBudgetAlerts } from './soft-budget-alerts.js';
import { WindowCounters, type Held, type Refusal } from './window-counters.js';
import { WindowSpendLedger } from './window-spend-ledger.js';

export const PLUGIN_ID = 'budget';

/** What preCall leaves in `ctx.state.budget` for onSpend to settle. */
export interface BudgetReservation {
  limits: BudgetLimit[];
  /** What each limit reserved (the estimate, the last slice of a budget, or 0). */
  reserved: number[];
  /** The slice lock each limit holds when the call took its window's last slice (released on settling). */
  sliceLocks?: (string | undefined)[];
  /** Set when the request set no `max_tokens`: its reply teaches the model's reply size. */
  learn?: { model: string; choices: number };
}

const amount = (n: number): number => Number(n.toFixed(10));

function exceeded({ limit, value }: Refusal) {
  const params = { id: limit.id, spend: amount(value), budget: limit.maxBudget };
  if (limit.model !== '') return BudgetErrors.MODEL_EXCEEDED({ ...params, alias: limit.alias ?? 'None', model: limit.calledModel ?? limit.model });
  switch (limit.kind) {
    case 'key':
      return BudgetErrors.KEY_EXCEEDED({ ...params, id: limit.alias ?? limit.id });
    case 'user':
      return BudgetErrors.USER_EXCEEDED(params);
    case 'team':
      return BudgetErrors.TEAM_EXCEEDED(params);
    case 'organization':
      return BudgetErrors.ORGANIZATION_EXCEEDED(params);
    case 'project':
      return BudgetErrors.PROJECT_EXCEEDED(params);
    case 'customer':
      return BudgetErrors.CUSTOMER_EXCEEDED(params);
    case 'tag':
      return BudgetErrors.TAG_EXCEEDED(params);
    case 'team_member': {
      const { teamId, userId } = teamMemberOfScopeId(limit.id);
      return BudgetErrors.TEAM_MEMBER_EXCEEDED({ ...params, user: userId, team: teamId });
    }
    case 'proxy':
      return BudgetErrors.PROXY_EXCEEDED(params);
  }
}

const truthy = (v: boolean | string | undefined, fallback: boolean): boolean =>
  v === undefined ? fallback : typeof v === 'boolean' ? v : /^(true|1|yes|on)$/i.test(v.trim());

function alertChannels(ctx: PluginContext, config: BudgetConfig): AlertChannel[] {
  if (config.soft_budget_alerts === false) return [];
  if (config.alert_types && !config.alert_types.includes('budget_alerts')) return [];
  const channels: AlertChannel[] = [];
  if (config.smtp_host) {
    if (config.smtp_password) ctx.secrets.redact(config.smtp_password);
    channels.push(
      new EmailChannel({
        host: config.smtp_host,
        port: Number(config.smtp_port ?? 587),
        tls: truthy(config.smtp_tls, true),
        username: config.smtp_username || undefined,
        password: config.smtp_password,
        from: config.smtp_sender_email ?? config.smtp_username ?? 'sluice@localhost',
        fallbackRecipients: config.alert_emails ?? [],
      }),
    );
  }
  if (config.webhook_url && config.alerting?.includes('webhook')) channels.push(new WebhookChannel(ctx.http, config.webhook_url));
  if (config.alerting?.includes('slack')) {
    // LiteLLM: the type's own channels (alert_to_webhook_url.budget_alerts), else SLACK_WEBHOOK_URL.
    const own = config.alert_to_webhook_url?.budget_alerts;
    const urls = (own === undefined ? [config.slack_webhook_url] : Array.isArray(own) ? own : [own]).filter((u): u is string => typeof u === 'string' && u !== '');
    for (const url of urls) ctx.secrets.redact(url);
    if (urls.length > 0) channels.push(new SlackChannel({ urls, proxyBaseUrl: config.proxy_base_url, http: ctx.http, dataDir: ctx.dataDir, log: ctx.log, metrics: ctx.metrics, now: () => ctx.now() }));
  }
  return channels;
}

export default definePlugin<BudgetConfig>({
  id: PLUGIN_ID,
  version: '1.0.0',
  apiVersion: '^2',
  migrations: MIGRATIONS,
  // LiteLLM's alerting channels this plugin does not send to (pagerduty…) are named, not ignored silently.
  checkConfig: (config) =>
    (config.alerting ?? [])
      .filter((channel) => channel !== 'webhook' && channel !== 'email' && channel !== 'slack')
      .map((channel) => `general_settings.alerting: "${channel}" alerts are not sent by Sluice (budget alerts go to email, webhook and Slack); it has no effect`),
  async setup(ctx, config) {
    const now = () => ctx.now();
    const charsPerToken = config.prompt_chars_per_token ?? 3;
    const defaultCompletionTokens = config.default_completion_tokens ?? 1024;
    // Shared through Redis; in-process counters mean one instance, with nobody to tell.
    const shareSizes = ctx.counters.kind === 'redis';
    const learned = config.learn_completion_tokens === false ? undefined : new LearnedCompletions(defaultCompletionTokens, shareSizes ? randomUUID() : undefined);
    const unsubscribeSizes = learned && shareSizes ? await ctx.counters.subscribe(COMPLETION_SIZES_CHANNEL, (m) => learned.receive(m)) : undefined;
    const publishSizes = () => {
      const message = learned?.takeMessage();
      if (message === undefined) return;
      ctx.counters.publish(COMPLETION_SIZES_CHANNEL, message).catch((err: Error) => ctx.log.debug({ err: err.message }, 'could not share learned completion sizes'));
    };
    const ledger = new WindowSpendLedger(ctx.database.knex as Knex, ctx.log, now); // the kernel's knex instance, typed narrowly by the SDK
    const windows = new WindowCounters(ctx.counters, ledger, ctx.log, now);
    const channels = alertChannels(ctx, config);
    const alerts = new SoftBudgetAlerts(channels, ctx.counters, ctx.log, now, {
      maxAttempts: config.alert_max_attempts ?? 3,
      baseDelayMs: config.alert_retry_base_ms ?? 1_000,
    });
    ledger.start(config.flush_interval_ms ?? 1_000, () => {
      windows.prune();
      alerts.prune();
      publishSizes();
    });
    if (channels.length > 0) ctx.log.info({ channels: channels.map((c) => c.name) }, 'soft budget alerts enabled');

    const settle = async (limit: BudgetLimit, held: Held, cost: number, event: Readonly<SpendEvent>): Promise<void> => {
      if (limit.maxBudget !== null) await windows.settle(limit, held, cost);
      if (cost <= 0) return;
      if (limit.softBudget !== null && alerts.enabled) {
        // Seeded before this cost reaches the ledger, so the seed does not count it twice.
        const spend = await windows.addSettled(settledKey(limit), limit, cost);
        ledger.add(limit, cost);
        await alerts.onSpend(limit, amount(spend), event);
      } else {
        ledger.add(limit, cost);
      }
    };
    const settleUnreserved = async (event: Readonly<SpendEvent>): Promise<void> => {
      const limits = budgetLimitsOf(event.scopes, event.model, now());
      if (limits === undefined) return;
      // Seeded first: a seed read after this cost reached the ledger would count it twice.
      const results = await Promise.allSettled(
        limits.map(async (l) => {
          if (l.maxBudget !== null) await windows.ensureSeeded(l.key, l);
          await settle(l, { amount: 0 }, event.cost, event);
        }),
      );
      for (const r of results) {
        if (r.status === 'rejected') ctx.log.error({ err: (r.reason as Error).message, requestId: event.requestId }, 'could not count unreserved spend into a budget');
      }
    };

    return {
      async preCall(call: CallContext) {
        const model = typeof call.body.model === 'string' ? call.body.model : '';
        const limits = budgetLimitsOf(call.scopes, model, now());
        if (limits === undefined) return;
        let reserved: number[] = limits.map(() => 0);
        let sliceLocks: (string | undefined)[] | undefined;
        const learn = learned !== undefined && (call.endpoint === 'chat' || call.endpoint === 'completions') && requestedCompletionTokens(call.body) === undefined ? { model, choices: choicesOf(call.body) } : undefined;
        if (limits.some((l) => l.maxBudget !== null)) {
          const promptTokens = estimatePromptTokens(call.body, charsPerToken);
          const unlimited = learn ? learned!.tokensPerChoice(model) : defaultCompletionTokens;
          const completionTokens = estimateCompletionTokens(call.endpoint, call.body, unlimited);
          const outcome = await windows.reserve(limits, ctx.models.estimateCost(model, promptTokens, completionTokens));
          if ('refusal' in outcome) throw exceeded(outcome.refusal);
          reserved = outcome.held.map((h) => h.amount);
          if (outcome.held.some((h) => h.sliceLock !== undefined)) sliceLocks = outcome.held.map((h) => h.sliceLock);
        }
        call.state[PLUGIN_ID] = { limits, reserved, sliceLocks, learn } satisfies BudgetReservation;
      },

      async onSpend(event) {
        const reservation = event.state[PLUGIN_ID] as BudgetReservation | undefined;
        if (reservation === undefined) {
          // Spend this plugin reserved nothing for (a plugin route's charge recorded without
          // admitting the call) still counts into its scopes' windows, so the next call sees it.
          if (Number.isFinite(event.cost) && event.cost > 0) await settleUnreserved(event);
          return;
        }
        const { learn } = reservation;
        if (learn && event.status === 'success') learned!.observe(learn.model, event.usage.completion_tokens, learn.choices);
        // A failed call costs nothing: settling it gives the whole reservation back.
        const cost = Number.isFinite(event.cost) && event.cost > 0 ? event.cost : 0;
        const results = await Promise.allSettled(reservation.limits.map((l, i) => settle(l, { amount: reservation.reserved[i] ?? 0, sliceLock: reservation.sliceLocks?.[i] }, cost, event)));
        for (const r of results) {
          if (r.status === 'rejected') ctx.log.error({ err: (r.reason as Error).message, requestId: event.requestId }, 'could not settle a budget reservation');
        }
      },

      importers: [litellmBudgetImporter(ctx.database.knex as Knex, now)],
      async close() {
        await unsubscribeSizes?.();
        await alerts.close();
        await ledger.close();
      },
    };
  },
});
