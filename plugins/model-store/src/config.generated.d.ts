/* eslint-disable */
/**
 * GENERATED from plugins/model-store/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Models stored in the gateway's database (LiteLLM's store_model_in_db) and the model info API.
 */
export interface ModelStoreConfig {
  /**
   * LiteLLM's general_settings.store_model_in_db (or STORE_MODEL_IN_DB): /model/new, /model/update and /model/delete write deployments to the database and every instance serves them. Off: those routes answer LiteLLM's 500 and only config models exist.
   */
  store_model_in_db?: boolean | string;
  /**
   * LITELLM_SALT_KEY: the key stored credentials are encrypted with. Falls back to the master key, as in LiteLLM. Changing it makes stored credentials unreadable.
   */
  salt_key?: string;
  /**
   * general_settings.master_key (or LITELLM_MASTER_KEY), the encryption key when no salt key is set.
   */
  master_key?: string;
  /**
   * LiteLLM's general_settings.encryption_algorithm for new writes: xsalsa20-poly1305 (NaCl SecretBox, readable by every LiteLLM version) or aes-256-gcm (LiteLLM's v3:gcm format). Both are always read.
   */
  encryption_algorithm?: 'xsalsa20-poly1305' | 'aes-256-gcm';
  /**
   * How often each instance checks the version row for changes made elsewhere (changes are also announced over the counters' pub/sub).
   */
  poll_interval_ms?: number;
}
