/**
 * LiteLLM's alerting (`general_settings.alerting: ["slack", "email", "webhook"]`): operational
 * alerts in LiteLLM's Slack format, to Slack (per-type channels with `alert_to_webhook_url`),
 * email and a webhook. Every alert is sent once across instances (a counters marker per alert
 * type and subject) and delivered through the SDK's LogDelivery, so nothing here waits on Slack
 * on a call's path: onSpend observes, preCall only records the call for the hanging check.
 * Budget alerts (`budget_alerts`) are the budget plugin's, which sends them to the same channels.
 */
import { definePlugin, type CallContext, type PluginContext, type PluginInstance } from '@sluice/plugin-sdk';
import manifest from '../plugin.json' with { type: 'json' };
import { EmailChannel, SlackChannels, WebhookChannel, type DeliveryEnv } from './alert-channels.js';
import { AlertDispatch } from './alert-dispatch.js';
import { BackendHealth } from './backend-health.js';
import { CallAlerts } from './call-alerts.js';
import type { AlertingSlackConfig } from './config.generated.js';
import { DeploymentAlerts } from './deployment-alerts.js';
import { ReportAlerts } from './report-alerts.js';
import { requestSizeWatch } from './request-size-alerts.js';

/** LiteLLM's DEFAULT_ALERT_TYPES: what `alert_types` means when it is not set. */
export const DEFAULT_ALERT_TYPES = [
  'llm_exceptions', 'llm_too_slow', 'llm_requests_hanging', 'budget_alerts', 'spend_reports', 'failed_tracking_spend',
  'db_exceptions', 'daily_reports', 'cooldown_deployment', 'new_model_added', 'outage_alerts', 'region_outage_alerts', 'fallback_reports',
];
/** The types this plugin sends (budget_alerts: the budget plugin). */
const SENT_HERE = new Set(['llm_exceptions', 'llm_too_slow', 'llm_requests_hanging', 'db_exceptions', 'daily_reports', 'spend_reports', 'cooldown_deployment', 'outage_alerts']);
/** LiteLLM's other alert types: accepted, sent by nobody here yet. */
const KNOWN_TYPES = new Set([
  ...DEFAULT_ALERT_TYPES, 'new_virtual_key_created', 'virtual_key_updated', 'virtual_key_deleted', 'new_team_created', 'team_updated', 'team_deleted',
  'new_internal_user_created', 'internal_user_updated', 'internal_user_deleted',
]);
const CHANNELS = new Set(['slack', 'email', 'webhook']);

const truthy = (v: boolean | string | undefined, fallback: boolean): boolean => (v === undefined ? fallback : typeof v === 'boolean' ? v : /^(true|1|yes|on)$/i.test(v.trim()));
const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const positive = (v: unknown): number | undefined => (typeof v === 'number' && v > 0 ? v : typeof v === 'string' && Number(v) > 0 ? Number(v) : undefined);

/** A URL still written `os.environ/NAME` (not resolved by the config loader) is read through the secret managers. */
async function resolveUrl(ctx: PluginContext, url: string): Promise<string | undefined> {
  const ref = /^os\.environ\/(.+)$/.exec(url);
  const value = ref ? await ctx.secrets.get(ref[1]!) : url;
  if (value) ctx.secrets.redact(value); // a Slack webhook URL is a credential
  return value || undefined;
}

function checkConfig(config: AlertingSlackConfig): string[] {
  const warnings: string[] = [];
  for (const c of config.alerting ?? []) {
    if (!CHANNELS.has(c)) warnings.push(`general_settings.alerting: "${c}" alerts are not sent by Sluice (slack, email and webhook are); it has no effect`);
  }
  for (const t of config.alert_types ?? []) {
    if (!KNOWN_TYPES.has(t)) warnings.push(`general_settings.alert_types: "${t}" is not a LiteLLM alert type; it is ignored`);
    else if (!SENT_HERE.has(t) && t !== 'budget_alerts') warnings.push(`general_settings.alert_types: "${t}" alerts are not sent by Sluice yet`);
  }
  for (const t of Object.keys(config.alert_to_webhook_url ?? {})) {
    if (!KNOWN_TYPES.has(t)) warnings.push(`general_settings.alert_to_webhook_url: "${t}" is not a LiteLLM alert type; it is ignored`);
  }
  if (config.alerting?.includes('slack') && !config.slack_webhook_url && Object.keys(config.alert_to_webhook_url ?? {}).length === 0) {
    warnings.push('general_settings.alerting: "slack" needs SLACK_WEBHOOK_URL (or alert_to_webhook_url); Slack alerts have nowhere to go');
  }
  if (config.alerting?.includes('email') && (!config.smtp_host || (config.alert_emails ?? []).length === 0)) {
    warnings.push('general_settings.alerting: "email" needs SMTP_HOST and alert_emails for operational alerts; only budget alerts are mailed');
  }
  return warnings;
}

export default definePlugin<AlertingSlackConfig>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  checkConfig,
  async setup(ctx, config) {
    const channels = new Set((config.alerting ?? []).filter((c) => CHANNELS.has(c)));
    // `litellm_settings.callbacks: ["slack"]` (which also enables this plugin) means the Slack channel.
    const callbacks = ['callbacks', 'success_callback', 'failure_callback'].flatMap((k) => ctx.settings.litellm_settings[k] ?? []);
    if (callbacks.includes('slack')) channels.add('slack');
    const now = () => ctx.now();
    const args = config.alerting_args ?? {};
    const env: DeliveryEnv = { http: ctx.http, dataDir: ctx.dataDir, log: ctx.log, metrics: ctx.metrics, flushIntervalMs: config.delivery_flush_interval_ms ?? 250 };

    const slackUrls = new Map<string, string[]>();
    for (const [type, urls] of Object.entries(config.alert_to_webhook_url ?? {})) {
      const resolved = (await Promise.all(list(urls).map((u) => resolveUrl(ctx, u)))).filter((u): u is string => u !== undefined);
      slackUrls.set(type, resolved);
    }
    const defaultSlack = config.slack_webhook_url ? await resolveUrl(ctx, config.slack_webhook_url) : undefined;
    if (config.smtp_password) ctx.secrets.redact(config.smtp_password);
    const webhookUrl = config.webhook_url ? await resolveUrl(ctx, config.webhook_url) : undefined;
    const email =
      channels.has('email') && config.smtp_host && (config.alert_emails ?? []).length > 0
        ? new EmailChannel(
            {
              host: config.smtp_host,
              port: Number(config.smtp_port ?? 587),
              tls: truthy(config.smtp_tls, true),
              username: config.smtp_username || undefined,
              password: config.smtp_password,
              from: config.smtp_sender_email ?? config.smtp_username ?? 'sluice@localhost',
              to: config.alert_emails ?? [],
            },
            env,
          )
        : undefined;
    const slack = channels.has('slack') ? new SlackChannels(env) : undefined;
    const webhook = channels.has('webhook') && webhookUrl ? new WebhookChannel(webhookUrl, env) : undefined;

    const types = new Set((config.alert_types ?? DEFAULT_ALERT_TYPES).filter((t) => SENT_HERE.has(t)));
    const active = slack !== undefined || email !== undefined || webhook !== undefined;
    if (!active) types.clear();
    const dispatch = new AlertDispatch(
      { types, slackUrls, defaultSlackUrls: defaultSlack ? [defaultSlack] : [], slack, email, webhook, proxyBaseUrl: config.proxy_base_url, logToConsole: args.log_to_console === true },
      ctx.counters,
      ctx.log,
      now,
    );
    const dedupeMs = (config.dedupe_seconds ?? 60) * 1000;
    const threshold = config.alerting_threshold ?? 300;
    const litellm = ctx.settings.litellm_settings;
    const apiBaseOf = (group: string): string | undefined => {
      const ds = ctx.models.deployments().filter((d) => d.modelName === group);
      return ds.length === 1 && typeof ds[0]!.params.api_base === 'string' ? ds[0]!.params.api_base : undefined;
    };
    const calls = new CallAlerts(
      { thresholdSeconds: threshold, dedupeMs, maxTracked: config.max_tracked_requests ?? 10_000, redactMessages: litellm.turn_off_message_logging === true || litellm.redact_messages_in_exceptions === true, apiBaseOf },
      dispatch,
      now,
    );
    const deployments = new DeploymentAlerts(
      {
        outageWindowMs: (positive(args.outage_alert_ttl) ?? 60) * 1000,
        minorThreshold: args.minor_outage_alert_threshold ?? 5,
        majorThreshold: args.major_outage_alert_threshold ?? 10,
        cooldownSeconds: positive(ctx.settings.router_settings.cooldown_time) ?? positive(litellm.cooldown_time),
      },
      dispatch,
      ctx.counters,
      ctx.log,
      now,
      () => ctx.models.deployments(),
    );
    const spendDays = config.spend_report_frequency ? Number(config.spend_report_frequency.slice(0, -1)) : undefined;
    const reports = new ReportAlerts(
      { dailyFrequencyMs: (positive(args.daily_report_frequency) ?? positive(config.slack_daily_report_frequency) ?? 43_200) * 1000, spendPeriodDays: spendDays },
      dispatch,
      ctx.counters,
      ctx.log,
      now,
      () => ctx.models.deployments(),
      () => ctx.management,
    );
    const health = new BackendHealth(ctx.database.knex, ctx.counters, dispatch, ctx.log, now, dedupeMs, (t) => ctx.secrets.scrub(t));

    const timers: NodeJS.Timeout[] = [];
    const every = (ms: number, what: string, fn: () => Promise<void> | void) => {
      const t = setInterval(() => {
        void Promise.resolve()
          .then(fn)
          .catch((err: Error) => ctx.log.warn({ err: ctx.secrets.scrub(err.message) }, `alerting: ${what} failed`));
      }, ms);
      t.unref();
      timers.push(t);
    };
    const unsubscribes: (() => Promise<void>)[] = [];
    if (types.size > 0) {
      every(10_000, 'marker pruning', () => dispatch.prune());
      if (types.has('llm_requests_hanging')) every(Math.min(30_000, Math.max(50, (threshold * 1000) / 4)), 'hanging request check', () => calls.checkHanging());
      if (types.has('db_exceptions')) every(config.health_check_interval_ms ?? 30_000, 'database and Redis probe', () => health.check());
      if (types.has('daily_reports') || types.has('spend_reports')) {
        const checkMs = (positive(args.report_check_interval) ?? 300) * 1000;
        every(Math.min(5_000, checkMs), 'report figures flush', () => reports.flush());
        every(checkMs, 'report check', () => reports.check());
      }
      if (types.has('cooldown_deployment')) unsubscribes.push(await deployments.start());
      ctx.log.info({ channels: [...channels], alertTypes: [...types], alertingThreshold: threshold }, 'alerting enabled');
    }

    const instance: PluginInstance = {
      async close() {
        for (const t of timers) clearInterval(t);
        await Promise.all(unsubscribes.map((u) => u()));
        await Promise.all([slack?.close(), email?.close(), webhook?.close()]);
      },
    };
    if (types.size === 0) return instance;
    if (types.has('llm_requests_hanging')) {
      instance.preCall = async (call: CallContext) => {
        calls.watch(call);
      };
    }
    const maxRequestMb = config.max_request_size_mb;
    if (maxRequestMb !== undefined && types.has('llm_exceptions')) {
      instance.preAuth = requestSizeWatch(maxRequestMb, dispatch, dedupeMs, (err) => ctx.log.warn({ err: err.message }, 'alerting: request size alert failed'));
    }
    instance.onSpend = async (event) => {
      const results = await Promise.allSettled([calls.onSpend(event), deployments.onSpend(event)]);
      reports.onSpend(event);
      for (const r of results) if (r.status === 'rejected') ctx.log.warn({ err: ctx.secrets.scrub((r.reason as Error).message), requestId: event.requestId }, 'alerting: could not evaluate a call');
    };
    return instance;
  },
});

export { AlertDispatch } from './alert-dispatch.js';
