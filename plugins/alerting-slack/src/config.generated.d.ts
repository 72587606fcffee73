/* eslint-disable */
/**
 * GENERATED from plugins/alerting-slack/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * LiteLLM's alerting: operational alerts (failed, slow and hanging calls, deployment cooldowns and outages, database and Redis outages, size refusals, daily and spend reports) to Slack, email and a webhook, once across instances. Budget alerts are the budget plugin's.
 */
export interface AlertingSlackConfig {
  /**
   * LiteLLM `general_settings.alerting`: the channels, any of "slack", "email", "webhook".
   */
  alerting?: string[];
  /**
   * LiteLLM `general_settings.alerting_threshold`, seconds: a call taking longer is `llm_too_slow`; a call still unanswered after it is `llm_requests_hanging`.
   */
  alerting_threshold?: number;
  /**
   * LiteLLM `general_settings.alert_types`: the alert types sent. Absent: LiteLLM's defaults (every type this plugin sends).
   */
  alert_types?: string[];
  /**
   * LiteLLM `general_settings.alert_to_webhook_url`: alert type → Slack webhook URL (or a list of URLs) for that type, instead of `SLACK_WEBHOOK_URL`. `os.environ/NAME` references are resolved.
   */
  alert_to_webhook_url?: {
    [k: string]: string | string[];
  };
  /**
   * LiteLLM `general_settings.alerting_args` (seconds and counts, LiteLLM's SlackAlertingArgs).
   */
  alerting_args?: {
    /**
     * Seconds between daily reports (top deployments by failures and latency). Default 43200 (12 h), or `SLACK_DAILY_REPORT_FREQUENCY`.
     */
    daily_report_frequency?: number;
    /**
     * Seconds between checks whether a report is due. Default 300.
     */
    report_check_interval?: number;
    /**
     * Read by the budget plugin's LiteLLM counterpart; accepted here for LiteLLM configs, unused.
     */
    budget_alert_ttl?: number;
    /**
     * Window, seconds, in which a deployment's errors (408 and 5xx) count towards an outage alert. Default 60.
     */
    outage_alert_ttl?: number;
    /**
     * LiteLLM's region outage window; region outage alerts are not sent by Sluice.
     */
    region_outage_alert_ttl?: number;
    /**
     * Errors in the window that make a minor outage alert. Default 5.
     */
    minor_outage_alert_threshold?: number;
    /**
     * Errors in the window that make a major outage alert. Default 10.
     */
    major_outage_alert_threshold?: number;
    /**
     * Accepted for LiteLLM configs; Sluice counts errors in the shared counters, without a list.
     */
    max_outage_alert_list_size?: number;
    /**
     * Also write every alert to the gateway log (info).
     */
    log_to_console?: boolean;
  };
  /**
   * LiteLLM `general_settings.spend_report_frequency`: how often a spend report (spend per team and per tag over that period) is sent, as days: "1d", "7d", "30d". Absent: no spend report.
   */
  spend_report_frequency?: string;
  /**
   * LiteLLM `general_settings.max_request_size_mb` (enforced by policy-size-limits): a request refused for its size raises an `llm_exceptions` alert.
   */
  max_request_size_mb?: number;
  /**
   * Default Slack incoming webhook (LiteLLM env `SLACK_WEBHOOK_URL`).
   */
  slack_webhook_url?: string;
  /**
   * LiteLLM env `SLACK_DAILY_REPORT_FREQUENCY`, seconds; `alerting_args.daily_report_frequency` wins.
   */
  slack_daily_report_frequency?: number | string;
  /**
   * LiteLLM env `PROXY_BASE_URL`: added to alerts as `Proxy URL`.
   */
  proxy_base_url?: string;
  /**
   * LiteLLM env `WEBHOOK_URL`: with "webhook" in `alerting`, every alert is POSTed there as a WebhookEvent JSON.
   */
  webhook_url?: string;
  /**
   * SMTP server (LiteLLM env `SMTP_HOST`): with "email" in `alerting`, alerts are mailed to `alert_emails`.
   */
  smtp_host?: string;
  /**
   * SMTP port (LiteLLM env `SMTP_PORT`); 465 connects with TLS.
   */
  smtp_port?: number | string;
  /**
   * SMTP user (LiteLLM env `SMTP_USERNAME`).
   */
  smtp_username?: string;
  /**
   * SMTP password (LiteLLM env `SMTP_PASSWORD`). Never logged.
   */
  smtp_password?: string;
  /**
   * From address (LiteLLM env `SMTP_SENDER_EMAIL`).
   */
  smtp_sender_email?: string;
  /**
   * Require STARTTLS (LiteLLM env `SMTP_TLS`).
   */
  smtp_tls?: boolean | string;
  /**
   * Recipients of alert emails. Without any, the email channel sends nothing.
   */
  alert_emails?: string[];
  /**
   * An alert about the same subject (a deployment's failures, a model's slow or hanging calls) is sent at most once per this many seconds across all instances.
   */
  dedupe_seconds?: number;
  /**
   * How often the database and Redis are probed for `db_exceptions` (an alert when one stops answering, another when it is back).
   */
  health_check_interval_ms?: number;
  /**
   * Calls in flight watched for `llm_requests_hanging`; beyond it the oldest are no longer watched.
   */
  max_tracked_requests?: number;
  /**
   * How often queued alerts are sent (each channel's LogDelivery).
   */
  delivery_flush_interval_ms?: number;
}
