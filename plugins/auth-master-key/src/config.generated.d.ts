/* eslint-disable */
/**
 * GENERATED from plugins/auth-master-key/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * The master key: full admin access to the gateway.
 */
export interface AuthMasterKeyConfig {
  /**
   * The master key. LiteLLM requires it to start with `sk-`. When absent, one is generated on first start and stored in the data dir.
   */
  master_key?: string;
  /**
   * Generate and store a random master key when none is configured.
   */
  generate_if_missing?: boolean;
}
