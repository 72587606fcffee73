/* eslint-disable */
/**
 * GENERATED from plugins/secrets-azure-key-vault/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Azure Key Vault as LiteLLM's `key_management_system: azure_key_vault`: the vault, how to authenticate, and LiteLLM's `key_management_settings`.
 */
export interface SecretsAzureKeyVaultConfig {
  /**
   * The vault's URI, e.g. `https://my-vault.vault.azure.net/` (AZURE_KEY_VAULT_URI).
   */
  vault_uri?: string;
  /**
   * How to authenticate. `auto` (default): a client secret when tenant_id, client_id and client_secret are set, else a client certificate when client_certificate_path is set, else DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI…), as LiteLLM does. `managed_identity` uses the VM's or App Service's identity (client_id selects a user-assigned one).
   */
  credential?: 'auto' | 'client_secret' | 'client_certificate' | 'managed_identity' | 'default';
  /**
   * Microsoft Entra tenant of the app registration (AZURE_TENANT_ID).
   */
  tenant_id?: string;
  /**
   * The app registration's client id, or a user-assigned managed identity's (AZURE_CLIENT_ID).
   */
  client_id?: string;
  /**
   * The app registration's client secret (AZURE_CLIENT_SECRET).
   */
  client_secret?: string;
  /**
   * PEM file holding the app registration's certificate and its private key (AZURE_CLIENT_CERTIFICATE_PATH).
   */
  client_certificate_path?: string;
  /**
   * Password of the certificate's private key, when it is encrypted (AZURE_CLIENT_CERTIFICATE_PASSWORD).
   */
  client_certificate_password?: string;
  /**
   * Microsoft Entra authority host, for sovereign clouds (AZURE_AUTHORITY_HOST, default https://login.microsoftonline.com).
   */
  authority_host?: string;
  /**
   * Skip Microsoft Entra instance discovery: for authority hosts it does not know (Azure Stack, private clouds).
   */
  disable_instance_discovery?: boolean;
  /**
   * Accept a Key Vault challenge whose resource is not the vault's domain: for vaults reached through a host outside *.vault.azure.net.
   */
  disable_challenge_resource_verification?: boolean;
  /**
   * Seconds a value read from the vault is served before it is read again (LiteLLM's secret-manager cache lasts 86400). 0 reads on every lookup.
   */
  refresh_interval?: number | string;
  /**
   * After deleting a stored virtual key, purge it too, so its name can be reused at once (needs the purge permission; otherwise it stays recoverable for the vault's retention period).
   */
  purge_deleted_secrets?: boolean;
  /**
   * Only these names are read from the vault; others come from the environment (key_management_settings.hosted_keys).
   */
  hosted_keys?: string[];
  /**
   * Write generated virtual keys to the vault (key_management_settings.store_virtual_keys).
   */
  store_virtual_keys?: boolean;
  /**
   * Prefix of stored virtual keys' names (key_management_settings.prefix_for_stored_virtual_keys). Key Vault names allow only letters, digits and dashes, so `litellm/my_key` is stored as `litellm-my-key`.
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
   * Stored with written virtual keys, as the `description` tag (Key Vault secrets have no description field).
   */
  description?: string;
  /**
   * Tags stored with written virtual keys (key_management_settings.tags).
   */
  tags?: {
    [k: string]: string;
  };
}
