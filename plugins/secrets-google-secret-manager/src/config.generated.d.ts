/* eslint-disable */
/**
 * GENERATED from plugins/secrets-google-secret-manager/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Google Secret Manager as LiteLLM's `key_management_system: google_secret_manager`: the project, credentials, cache, and LiteLLM's `key_management_settings`.
 */
export interface SecretsGoogleSecretManagerConfig {
  /**
   * The project holding the secrets (GOOGLE_SECRET_MANAGER_PROJECT_ID); `os.environ/NAME` reads projects/<project_id>/secrets/NAME/versions/latest.
   */
  project_id?: string;
  /**
   * A service-account key or a workload identity federation (`external_account`) credentials file (GOOGLE_APPLICATION_CREDENTIALS). Unset: Application Default Credentials (metadata server, gcloud).
   */
  credentials_file?: string;
  /**
   * Seconds a value is served from memory before Secret Manager is asked again (GOOGLE_SECRET_MANAGER_REFRESH_INTERVAL, default 86400).
   */
  refresh_interval?: number | string;
  /**
   * Ask Secret Manager on every lookup instead of caching (GOOGLE_SECRET_MANAGER_ALWAYS_READ_SECRET_MANAGER=true).
   */
  always_read_secret_manager?: boolean | string;
  /**
   * The API endpoint, for a private endpoint, a regional one or a local emulator: `host`, `host:port` or a URL (`http://` only with the rest transport). Default secretmanager.googleapis.com.
   */
  api_endpoint?: string;
  /**
   * `rest` (HTTP/1.1 JSON, default: what LiteLLM uses) or `grpc`.
   */
  transport?: 'rest' | 'grpc';
  /**
   * Only these names are read from Secret Manager; others come from the environment (key_management_settings.hosted_keys).
   */
  hosted_keys?: string[];
  /**
   * Write generated virtual keys to Secret Manager (key_management_settings.store_virtual_keys).
   */
  store_virtual_keys?: boolean;
  /**
   * Prefix of stored virtual keys' names (key_management_settings.prefix_for_stored_virtual_keys). Secret ids allow letters, digits, `_` and `-`, so `litellm/my-key` is stored as `litellm-my-key`.
   */
  prefix_for_stored_virtual_keys?: string;
  /**
   * read_only (default), write_only or read_and_write (key_management_settings.access_mode).
   */
  access_mode?: 'read_only' | 'write_only' | 'read_and_write';
  /**
   * One secret holding a JSON object of every value; `os.environ/NAME` reads its NAME field (key_management_settings.primary_secret_name).
   */
  primary_secret_name?: string;
  /**
   * Stored with written virtual keys as the secret's `description` annotation.
   */
  description?: string;
  /**
   * Stored with written virtual keys as annotations (key_management_settings.tags).
   */
  tags?: {
    [k: string]: string;
  };
}
