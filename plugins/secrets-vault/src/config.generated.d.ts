/* eslint-disable */
/**
 * GENERATED from plugins/secrets-vault/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * HashiCorp Vault (KV v2) as a secret resolver and virtual-key store, configured from LiteLLM's HCP_VAULT_* environment and general_settings.key_management_settings.
 */
export interface SecretsVaultConfig {
  /**
   * Vault address (HCP_VAULT_ADDR).
   */
  vault_addr?: string;
  /**
   * Token auth: a Vault token (HCP_VAULT_TOKEN), used when no login method is configured.
   */
  vault_token?: string;
  /**
   * Vault Enterprise namespace for login and secrets (HCP_VAULT_NAMESPACE).
   */
  vault_namespace?: string;
  /**
   * Namespace of the AppRole / TLS cert / Kubernetes login, sent as X-Vault-Namespace (HCP_VAULT_LOGIN_NAMESPACE; default vault_namespace).
   */
  login_namespace?: string;
  /**
   * Namespace of the secrets, as a path segment of their URLs (HCP_VAULT_SECRET_NAMESPACE; default vault_namespace).
   */
  secret_namespace?: string;
  /**
   * Mount of the KV v2 engine (HCP_VAULT_MOUNT_NAME).
   */
  vault_mount_name?: string;
  /**
   * Path under the mount that every secret lives under, e.g. litellm → secret/data/litellm/NAME (HCP_VAULT_PATH_PREFIX).
   */
  vault_path_prefix?: string;
  /**
   * AppRole auth: role id (HCP_VAULT_APPROLE_ROLE_ID).
   */
  approle_role_id?: string;
  /**
   * AppRole auth: secret id (HCP_VAULT_APPROLE_SECRET_ID).
   */
  approle_secret_id?: string;
  /**
   * Mount path of the AppRole auth method (HCP_VAULT_APPROLE_MOUNT_PATH).
   */
  approle_mount_path?: string;
  /**
   * TLS certificate auth: path of the client certificate PEM (HCP_VAULT_CLIENT_CERT).
   */
  client_cert?: string;
  /**
   * TLS certificate auth: path of the client key PEM (HCP_VAULT_CLIENT_KEY).
   */
  client_key?: string;
  /**
   * TLS certificate auth: the cert role to log in as (HCP_VAULT_CERT_ROLE); Vault tries every matching role when absent.
   */
  vault_cert_role?: string;
  /**
   * Path of a PEM CA bundle that signs Vault's server certificate (HCP_VAULT_CACERT or Vault's VAULT_CACERT); the system CAs otherwise.
   */
  ca_cert?: string;
  /**
   * Kubernetes auth: the Vault role to log in as with the pod's service-account token (HCP_VAULT_KUBERNETES_ROLE; a Sluice addition, LiteLLM has no Kubernetes auth).
   */
  kubernetes_role?: string;
  /**
   * Mount path of the Kubernetes auth method (HCP_VAULT_KUBERNETES_MOUNT_PATH).
   */
  kubernetes_mount_path?: string;
  /**
   * Service-account token file (HCP_VAULT_KUBERNETES_TOKEN_PATH).
   */
  kubernetes_token_path?: string;
  /**
   * Seconds a value read is cached; the gateway re-reads its references at this interval (HCP_VAULT_REFRESH_INTERVAL, else SECRET_MANAGER_REFRESH_INTERVAL).
   */
  refresh_interval?: number | string;
  /**
   * When set, only these names are read from Vault; every other reference comes from the environment.
   */
  hosted_keys?: string[];
  /**
   * Store the virtual keys the gateway generates in Vault (needs access_mode write_only or read_and_write).
   */
  store_virtual_keys?: boolean;
  /**
   * Prefix of the path a stored virtual key gets.
   */
  prefix_for_stored_virtual_keys?: string;
  /**
   * read_only: resolve references only; write_only: store keys only; read_and_write: both.
   */
  access_mode?: 'read_only' | 'write_only' | 'read_and_write';
  /**
   * Stored next to a written key as its `description` field, as LiteLLM does.
   */
  description?: string;
}
