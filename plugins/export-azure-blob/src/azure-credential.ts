/**
 * How the logger authenticates to Azure Storage, LiteLLM's order: the account key when
 * AZURE_STORAGE_ACCOUNT_KEY is set (shared key), else the app registration's client secret
 * (AZURE_STORAGE_TENANT_ID / CLIENT_ID / CLIENT_SECRET, a token for https://storage.azure.com),
 * else, when none of those three is set, DefaultAzureCredential (managed identity, workload
 * identity, Azure CLI), as newer LiteLLM falls back to the credential chain. A client secret set
 * half-way is a mistake, reported with the missing variable's name as LiteLLM does.
 */
import { StorageSharedKeyCredential } from '@azure/storage-blob';
import { ClientSecretCredential, DefaultAzureCredential, type TokenCredential } from '@azure/identity';

export interface AzureStorageSettings {
  accountName?: string;
  fileSystem?: string;
  accountKey?: string;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  endpointSuffix?: string;
  accountUrl?: string;
  authorityHost?: string;
  disableInstanceDiscovery?: boolean;
}

export type CredentialKind = 'account_key' | 'client_secret' | 'default_azure_credential';

export class AzureStorageSettingsError extends Error {
  override readonly name = 'AzureStorageSettingsError';
}

const missing = (env: string) => new AzureStorageSettingsError(`azure_storage: Missing required environment variable: ${env}`);

/**
 * The blob endpoint: `account_url` as given (a Data Lake `.dfs.` host turned into its `.blob.`
 * twin: the same account, and the blob API needs no Data Lake SDK), else
 * `https://<account>.blob.<endpoint_suffix>`.
 */
export function blobEndpoint(s: AzureStorageSettings): string {
  if (s.accountUrl) {
    const url = URL.canParse(s.accountUrl) ? new URL(s.accountUrl) : undefined;
    if (!url) throw new AzureStorageSettingsError(`azure_storage: AZURE_STORAGE_ACCOUNT_URL is not a URL: ${s.accountUrl}`);
    url.hostname = url.hostname.replace(/\.dfs\./, '.blob.');
    return url.toString().replace(/\/+$/, '');
  }
  if (!s.accountName) throw missing('AZURE_STORAGE_ACCOUNT_NAME');
  return `https://${s.accountName}.blob.${s.endpointSuffix || 'core.windows.net'}`;
}

/**
 * The account's name: configured, else read off the endpoint (`<account>.blob.…` hosts, or the
 * first path segment of an IP-style URL as Azurite serves: `http://127.0.0.1:10000/devstoreaccount1`).
 */
export function accountNameOf(s: AzureStorageSettings): string | undefined {
  if (s.accountName) return s.accountName;
  if (!s.accountUrl || !URL.canParse(s.accountUrl)) return undefined;
  const url = new URL(s.accountUrl);
  const host = /^([a-z0-9]+)\.(?:blob|dfs)\./i.exec(url.hostname);
  if (host) return host[1];
  return url.pathname.split('/').find(Boolean);
}

export function credentialFor(s: AzureStorageSettings): { credential: StorageSharedKeyCredential | TokenCredential; kind: CredentialKind } {
  if (s.accountKey) {
    const account = accountNameOf(s);
    if (!account) throw missing('AZURE_STORAGE_ACCOUNT_NAME');
    return { kind: 'account_key', credential: new StorageSharedKeyCredential(account, s.accountKey) };
  }
  const authority = { ...(s.authorityHost ? { authorityHost: s.authorityHost } : {}), disableInstanceDiscovery: s.disableInstanceDiscovery ?? false };
  if (s.tenantId || s.clientId || s.clientSecret) {
    if (!s.tenantId) throw missing('AZURE_STORAGE_TENANT_ID');
    if (!s.clientId) throw missing('AZURE_STORAGE_CLIENT_ID');
    if (!s.clientSecret) throw missing('AZURE_STORAGE_CLIENT_SECRET');
    return { kind: 'client_secret', credential: new ClientSecretCredential(s.tenantId, s.clientId, s.clientSecret, authority) };
  }
  return { kind: 'default_azure_credential', credential: new DefaultAzureCredential(authority) };
}
