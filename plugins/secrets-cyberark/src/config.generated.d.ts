/* eslint-disable */
/**
 * GENERATED from plugins/secrets-cyberark/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * CyberArk Conjur as LiteLLM's `key_management_system: cyberark`: where Conjur is, who logs in, and LiteLLM's `key_management_settings`.
 */
export interface SecretsCyberarkConfig {
  /**
   * Conjur's base URL (CYBERARK_API_BASE).
   */
  api_base?: string;
  /**
   * The Conjur account (CYBERARK_ACCOUNT).
   */
  account?: string;
  /**
   * The login that authenticates: a user, or a host as `host/<id>` (CYBERARK_USERNAME).
   */
  username?: string;
  /**
   * The login's API key, exchanged for an access token (CYBERARK_API_KEY).
   */
  api_key?: string;
  /**
   * PEM client certificate presented on the TLS connection (CYBERARK_CLIENT_CERT), with client_key.
   */
  client_cert?: string;
  /**
   * PEM private key of client_cert (CYBERARK_CLIENT_KEY).
   */
  client_key?: string;
  /**
   * Verify Conjur's TLS certificate (CYBERARK_SSL_VERIFY; `false` only for testing with self-signed certificates).
   */
  ssl_verify?: boolean | string;
  /**
   * Seconds a value (and the access token, at most 7 minutes of its 8) is served before Conjur is asked again (CYBERARK_REFRESH_INTERVAL, default 300).
   */
  refresh_interval?: number | string;
  /**
   * Only these names are read from Conjur; others come from the environment (key_management_settings.hosted_keys).
   */
  hosted_keys?: string[];
  /**
   * Write generated virtual keys to Conjur variables (key_management_settings.store_virtual_keys).
   */
  store_virtual_keys?: boolean;
  /**
   * Prefix of stored virtual keys' variable ids (key_management_settings.prefix_for_stored_virtual_keys).
   */
  prefix_for_stored_virtual_keys?: string;
  /**
   * read_only (default), write_only or read_and_write (key_management_settings.access_mode).
   */
  access_mode?: 'read_only' | 'write_only' | 'read_and_write';
  /**
   * One variable holding a JSON object of every value; `os.environ/NAME` reads its NAME field (key_management_settings.primary_secret_name).
   */
  primary_secret_name?: string;
}
