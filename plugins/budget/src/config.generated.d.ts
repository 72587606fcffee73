/* eslint-disable */
/**
 * GENERATED from plugins/budget/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Hard and soft budgets on the scopes of a call (key, user, team, organization, project, customer, tag, and per model on a key). Before a call an estimate of its price is reserved against every hard budget; after it the actual cost replaces the estimate. Soft budgets alert once per budget window by email and webhook.
 */
export interface BudgetConfig {
  /**
   * Completion tokens assumed for the reservation when the request sets neither `max_tokens` nor `max_completion_tokens` and the model's reply size is not learned yet (see `learn_completion_tokens`). Higher refuses earlier near the limit; lower lets the last calls of a window overspend more.
   */
  default_completion_tokens?: number;
  /**
   * For a call without `max_tokens`, reserve the largest completion (per choice) among the model's last 32 such calls settled on this instance, once it has settled 3, instead of `default_completion_tokens`. A burst against a small budget then admits what fits; a reply longer than any of those 32 overspends by its excess (see the README's overspend bound). Off: always the default.
   */
  learn_completion_tokens?: boolean;
  /**
   * Characters of request text counted as one prompt token for the reservation. 3 errs on the high side for English (tokenizers average about 4); lower it for scripts with fewer characters per token.
   */
  prompt_chars_per_token?: number;
  /**
   * How often the window spend settled on this instance is written to the database (in one batch). The database is what a restarted instance starts from.
   */
  flush_interval_ms?: number;
  /**
   * Send an alert the first time in a budget window a scope's spend reaches its `soft_budget`.
   */
  soft_budget_alerts?: boolean;
  /**
   * LiteLLM `general_settings.alerting`: soft-budget alerts go to the webhook when it contains "webhook" (and `webhook_url` is set), to Slack when it contains "slack" (and a Slack URL is set).
   */
  alerting?: string[];
  /**
   * LiteLLM `general_settings.alert_types`: when given, soft-budget alerts are sent only if it contains "budget_alerts".
   */
  alert_types?: string[];
  /**
   * Where soft-budget alerts are POSTed as LiteLLM's WebhookEvent JSON (LiteLLM env `WEBHOOK_URL`).
   */
  webhook_url?: string;
  /**
   * Slack incoming webhook for soft-budget alerts (LiteLLM env `SLACK_WEBHOOK_URL`), unless `alert_to_webhook_url.budget_alerts` names others.
   */
  slack_webhook_url?: string;
  /**
   * LiteLLM `general_settings.alert_to_webhook_url`: alert type → Slack webhook URL(s); soft-budget alerts go to `budget_alerts`' URLs instead of `slack_webhook_url`.
   */
  alert_to_webhook_url?: {
    [k: string]: string | string[];
  };
  /**
   * LiteLLM env `PROXY_BASE_URL`, added to Slack alerts as `Proxy URL`.
   */
  proxy_base_url?: string;
  /**
   * Recipients of soft-budget emails for scopes that name none of their own (`alertEmails` of the scope).
   */
  alert_emails?: string[];
  /**
   * SMTP server for soft-budget emails (LiteLLM env `SMTP_HOST`); no email is sent without it.
   */
  smtp_host?: string;
  /**
   * SMTP port (LiteLLM env `SMTP_PORT`); 465 connects with TLS, other ports upgrade with STARTTLS when `smtp_tls` is on.
   */
  smtp_port?: number | string;
  /**
   * SMTP user (LiteLLM env `SMTP_USERNAME`); no authentication when absent.
   */
  smtp_username?: string;
  /**
   * SMTP password (LiteLLM env `SMTP_PASSWORD`). Never logged.
   */
  smtp_password?: string;
  /**
   * From address of soft-budget emails (LiteLLM env `SMTP_SENDER_EMAIL`).
   */
  smtp_sender_email?: string;
  /**
   * Require STARTTLS on the SMTP connection (LiteLLM env `SMTP_TLS`, "True"/"False").
   */
  smtp_tls?: boolean | string;
  /**
   * Attempts per alert delivery (email or webhook) before it is given up and logged.
   */
  alert_max_attempts?: number;
  /**
   * Wait before the first retry of a failed delivery; doubled for each further retry.
   */
  alert_retry_base_ms?: number;
}
