/* eslint-disable */
/**
 * GENERATED from plugins/export-azure-blob/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * LiteLLM's azure_storage logger: where the StandardLoggingPayload blobs go (account, container / Data Lake file system), how to authenticate, and how they are batched.
 */
export interface ExportAzureBlobConfig {
  /**
   * The storage account (AZURE_STORAGE_ACCOUNT_NAME). Required unless account_url names the account.
   */
  account_name?: string;
  /**
   * The container, or Data Lake Gen2 file system, the blobs are written to (AZURE_STORAGE_FILE_SYSTEM). Required.
   */
  file_system?: string;
  /**
   * The account's shared key (AZURE_STORAGE_ACCOUNT_KEY). When set it is used (LiteLLM's option 1); otherwise a Microsoft Entra client secret (tenant_id, client_id, client_secret), else DefaultAzureCredential (managed identity, workload identity, Azure CLI...).
   */
  account_key?: string;
  /**
   * Microsoft Entra tenant of the app registration (AZURE_STORAGE_TENANT_ID).
   */
  tenant_id?: string;
  /**
   * The app registration's client id (AZURE_STORAGE_CLIENT_ID).
   */
  client_id?: string;
  /**
   * The app registration's client secret (AZURE_STORAGE_CLIENT_SECRET). Needs the Storage Blob Data Contributor role on the container.
   */
  client_secret?: string;
  /**
   * DNS suffix of the storage endpoints (LiteLLM's AZURE_STORAGE_ENDPOINT_SUFFIX): core.windows.net (default), core.usgovcloudapi.net, core.chinacloudapi.cn... The blob endpoint is https://<account_name>.blob.<endpoint_suffix>.
   */
  endpoint_suffix?: string;
  /**
   * The blob endpoint itself, replacing the one built from account_name and endpoint_suffix (AZURE_STORAGE_ACCOUNT_URL): Azurite (http://127.0.0.1:10000/devstoreaccount1), private endpoints, Azure Stack. A Data Lake (`.dfs.`) URL is turned into its `.blob.` twin.
   */
  account_url?: string;
  /**
   * Microsoft Entra authority for the client secret (AZURE_AUTHORITY_HOST; default https://login.microsoftonline.com), for sovereign clouds.
   */
  authority_host?: string;
  /**
   * Skip Microsoft Entra instance discovery: for authority hosts it does not know (Azure Stack, private clouds).
   */
  disable_instance_discovery?: boolean;
  /**
   * Create the container when it does not exist (needs the right to; LiteLLM expects it to exist). Otherwise a missing container is a failed, retried delivery.
   */
  create_container?: boolean;
  /**
   * Most payloads sent per batch (LiteLLM's DEFAULT_BATCH_SIZE, 512). Each payload is its own blob; a batch's uploads run in parallel, upload_concurrency at a time.
   */
  batch_size?: number | string;
  /**
   * Seconds between sends (LiteLLM's DEFAULT_FLUSH_INTERVAL_SECONDS, 5).
   */
  flush_interval?: number | string;
  /**
   * Uploads in flight at once per destination.
   */
  upload_concurrency?: number;
  /**
   * Payloads held in memory per destination while it is slow or down; beyond it they go to the spill file in the data dir (replayed when it answers again).
   */
  max_queued?: number;
  /**
   * A batch that takes longer is aborted and retried.
   */
  timeout_seconds?: number;
  /**
   * Team/key destinations (their own callback_vars) kept open at once; the least recently used one is flushed and closed beyond it.
   */
  max_team_destinations?: number;
}
