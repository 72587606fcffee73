/* eslint-disable */
/**
 * GENERATED from plugins/logging-datadog/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * LiteLLM's datadog logging callback: where the logs go and how they are tagged. Every key also comes from LiteLLM's environment variable of the same meaning.
 */
export interface LoggingDatadogConfig {
  /**
   * Datadog API key, sent as DD-API-KEY (env DD_API_KEY). Required for the Datadog site; optional through an Agent. Never logged.
   */
  dd_api_key?: string;
  /**
   * Datadog site (env DD_SITE), e.g. us5.datadoghq.com: logs go to https://http-intake.logs.<site>/api/v2/logs.
   */
  dd_site?: string;
  /**
   * A Datadog Agent's host (env LITELLM_DD_AGENT_HOST): when set, logs go to http://<host>:<port>/api/v2/logs instead of the site, and the API key is optional.
   */
  dd_agent_host?: string;
  /**
   * The Agent's log intake port (env LITELLM_DD_AGENT_PORT).
   */
  dd_agent_port?: string | number;
  /**
   * Replaces the intake's base URL (env DD_BASE_URL, LiteLLM's override for tests and custom endpoints): logs go to <dd_base_url>/api/v2/logs.
   */
  dd_base_url?: string;
  /**
   * The ddsource of each log (env DD_SOURCE).
   */
  dd_source?: string;
  /**
   * The service of each log and its service: tag (env DD_SERVICE).
   */
  dd_service?: string;
  /**
   * The env: tag (env DD_ENV).
   */
  dd_env?: string;
  /**
   * The version: tag (env DD_VERSION).
   */
  dd_version?: string;
  /**
   * The hostname of each log and its HOSTNAME: tag (env HOSTNAME).
   */
  hostname?: string;
  /**
   * The POD_NAME: tag (env POD_NAME).
   */
  pod_name?: string;
  /**
   * Most logs per request (env DD_BATCH_SIZE); capped at Datadog's 1000. A value that is not a number is ignored with a warning, as LiteLLM does.
   */
  batch_size?: number | string;
  /**
   * Seconds between sends when fewer than batch_size logs wait (LiteLLM's flush interval).
   */
  flush_interval?: number;
  /**
   * Send the body gzip-compressed (Content-Encoding: gzip), as LiteLLM does and Datadog recommends.
   */
  gzip?: boolean;
  /**
   * LiteLLM's litellm_settings.datadog_params: settings for this callback only.
   */
  datadog_params?: {
    /**
     * Log messages and responses as redacted-by-litellm for Datadog only (litellm_settings.turn_off_message_logging does it for every integration).
     */
    turn_off_message_logging?: boolean;
  };
  /**
   * Most team/key destinations (their own dd_api_key/dd_site) kept open at once; the least recently used is closed past it (its queue goes to its spill file, sent when the destination is used again).
   */
  max_team_destinations?: number;
}
