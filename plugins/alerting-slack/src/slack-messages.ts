/**
 * LiteLLM's alert texts, byte for byte where LiteLLM has one (litellm/integrations/SlackAlerting/
 * slack_alerting.py, litellm/proxy/utils.py): Python's `str()` of numbers and of the request's
 * messages is reproduced, because operators grep their Slack channels for these strings.
 */

export type AlertLevel = 'Low' | 'Medium' | 'High';

/** Python's `str(float)`: `1.0`, not `1`. */
export function pyFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : n < 0 ? '-inf' : 'nan';
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

/** Python's `round(n, digits)` printed as a float. */
export function pyRound(n: number, digits: number): string {
  const f = 10 ** digits;
  return pyFloat(Math.round(n * f) / f);
}

/** A setting as YAML gave it: an integral value prints as Python's int (`300`), else as its float. */
export const pyNumber = (n: number): string => String(n);

/** Python's `repr()` of a JSON value, as `str(messages)` prints a list of dicts. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyFloat(value);
  if (typeof value === 'string') {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const body = value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
    return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote;
  }
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

export const REDACTED_MESSAGES = 'Message not logged. litellm.redact_messages_in_exceptions=True';

/** The first 100 characters of `str(messages)` (or of `input`), as LiteLLM puts them in alerts. */
export function messagesPreview(body: Readonly<Record<string, unknown>> | undefined, redact: boolean): string {
  if (redact) return REDACTED_MESSAGES;
  const messages = body?.messages ?? body?.input;
  return pyRepr(messages).slice(0, 100);
}

/** LiteLLM's `_add_key_name_and_team_to_alert`. */
export function keyAndTeam(keyAlias: string | undefined, teamAlias: string | undefined): string {
  return `\n\nKey Name: \`${keyAlias ?? ''}\`\nTeam: \`${teamAlias ?? ''}\``;
}

export interface SlackTextOptions {
  level: AlertLevel;
  alertType: string;
  /** Epoch ms; printed as LiteLLM's `%H:%M:%S` (UTC here: instances in many zones agree). */
  at: number;
  alertingMetadata?: Readonly<Record<string, unknown>>;
  proxyBaseUrl?: string;
}

/** LiteLLM's `send_alert` text: a level and timestamp header, except for reports. */
export function slackText(message: string, o: SlackTextOptions): string {
  const time = new Date(o.at).toISOString().slice(11, 19);
  let text = o.alertType === 'daily_reports' || o.alertType === 'new_model_added' ? message : `Level: \`${o.level}\`\nTimestamp: \`${time}\`\n\nMessage: ${message}`;
  for (const [key, value] of Object.entries(o.alertingMetadata ?? {})) text += `\n\n*Alerting Metadata*: \n${key}: \`${typeof value === 'string' ? value : pyRepr(value)}\`\n\n`;
  if (o.proxyBaseUrl) text += `\n\nProxy URL: \`${o.proxyBaseUrl}\``;
  return text;
}

export interface SlowCall {
  seconds: number;
  threshold: number;
  model: string;
  apiBase: string | undefined;
  messages: string;
  keyAlias?: string;
  teamAlias?: string;
}

/** `llm_too_slow` (response_taking_too_long_callback). */
export function slowMessage(c: SlowCall): string {
  const slow = `\`Responses are slow - ${pyRound(c.seconds, 2)}s response time > Alerting threshold: ${pyNumber(c.threshold)}s\``;
  const info = `\nRequest Model: \`${c.model}\`\nAPI Base: \`${c.apiBase ?? 'None'}\`\nMessages: \`${c.messages}\``;
  return slow + info + keyAndTeam(c.keyAlias, c.teamAlias);
}

export interface HangingCall {
  threshold: number;
  model: string;
  messages: string;
  apiBase: string | undefined;
  keyAlias?: string;
  teamAlias?: string;
}

/** `llm_requests_hanging` (response_taking_too_long, the request-metadata branch). */
export function hangingMessage(c: HangingCall): string {
  const info = `\nRequest Model: \`${c.model}\`\nMessages: \`${c.messages}\`` + keyAndTeam(c.keyAlias, c.teamAlias) + `\nAPI Base: \`${c.apiBase ?? ''}\``;
  return `\`Requests are hanging - ${pyNumber(c.threshold)}s+ request time\`` + info;
}

/** `llm_exceptions` (ProxyLogging.post_call_failure_hook). */
export const exceptionMessage = (exception: string): string => `LLM API call failed: \`${exception}\``;

/** `db_exceptions` (ProxyLogging.failure_handler). */
export const dbFailedMessage = (error: string): string => `DB read/write call failed: ${error}`;

/** Counted outage errors: 408 (timeouts) and 5xx, as `_count_outage_alerts` breaks them down. */
export interface OutageErrors {
  timeouts: number;
  api: number;
}

/** `outage_alerts` (`_outage_alert_msg_factory` with key "Model"). */
export function outageMessage(kind: 'Minor' | 'Major', model: string, provider: string, apiBase: string | undefined, errors: OutageErrors, lastCheckSecondsAgo: number): string {
  let headers = `\n*Model Name:* \`${model}\`\n*Provider:* \`${provider}\`\n`;
  if (apiBase !== undefined) headers += `*API Base:* \`${apiBase}\`\n`;
  let breakdown = '';
  if (errors.timeouts > 0) breakdown += `\nTimeout Errors: ${errors.timeouts}\n`;
  if (errors.api > 0) breakdown += `\nAPI Errors: ${errors.api}\n`;
  return `\n\n\n*⚠️ ${kind} Service Outage*\n\n${headers}\n\n*Errors:*\n${breakdown}\n\n*Last Check:* \`${pyRound(lastCheckSecondsAgo, 4)}s ago\`\n\n\n`;
}

/** `cooldown_deployment` (the router's cooldown alert). */
export function cooldownMessage(modelName: string, apiBase: string | undefined, cooldownSeconds: number, status: number | undefined): string {
  return (
    `Router: Cooling down Deployment:\nModel Name: \`${modelName}\`\nAPI Base: \`${apiBase ?? ''}\`\nCooldown Time: \`${pyNumber(cooldownSeconds)} seconds\`\n` +
    `Exception Status Code: \`${status ?? 'None'}\`\n\nChange 'cooldown_time' + 'allowed_fails' under 'Router Settings' on proxy UI, or via config - https://docs.litellm.ai/docs/proxy/reliability#fallbacks`
  );
}

export interface ReportRow {
  deployment: string;
  apiBase: string;
  value: number;
}

/** `daily_reports` (send_daily_reports): top 5 by failed requests and by latency per output token. */
export function dailyReportMessage(failed: readonly ReportRow[], slowest: readonly ReportRow[], nowSeconds: number, nextRunSeconds: number): string {
  let m = `\n\nTime: \`${pyFloat(nowSeconds)}\`s\nHere are today's key metrics 📈: \n\n`;
  m += '\n\n*❗️ Top Deployments with Most Failed Requests:*\n\n';
  if (failed.length === 0) m += '\tNone\n';
  failed.forEach((r, i) => (m += `\t${i + 1}. Deployment: \`${r.deployment}\`, Failed Requests: \`${r.value}\`,  API Base: \`${r.apiBase}\`\n`));
  m += '\n\n*😅 Top Slowest Deployments:*\n\n';
  if (slowest.length === 0) m += '\tNone\n';
  slowest.forEach((r, i) => (m += `\t${i + 1}. Deployment: \`${r.deployment}\`, Latency per output token: \`${pyRound(r.value, 3)}s/token\`,  API Base: \`${r.apiBase}\`\n\n`));
  m += `\n\nNext Run is at: \`${pyFloat(nextRunSeconds)}\`s`;
  return m;
}

/** `MM-DD-YYYY`, as LiteLLM's spend report prints its dates. */
const mdY = (d: Date): string => `${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}-${d.getUTCFullYear()}`;

/** `spend_reports` (send_weekly_spend_report). */
export function spendReportMessage(start: Date, end: Date, days: number, teams: readonly { team: string; spend: number }[], tags: readonly { tag: string; spend: number }[]): string {
  let m = `*💸 Spend Report for \`${mdY(start)} - ${mdY(end)}\` (${days} days)*\n`;
  m += '\n*Team Spend Report:*\n';
  for (const t of teams) m += `Team: \`${t.team}\` | Spend: \`$${pyRound(t.spend, 4)}\`\n`;
  m += '\n*Tag Spend Report:*\n';
  for (const t of tags) m += `Tag: \`${t.tag}\` | Spend: \`$${pyRound(t.spend, 4)}\`\n`;
  return m;
}
