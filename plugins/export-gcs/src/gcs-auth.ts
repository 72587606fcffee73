/**
 * Service-account auth for `@google-cloud/storage` through the SDK's token source: the JWT-bearer
 * exchange at the key's own `token_uri` (Google's in production, a local one in tests), the token
 * reused until shortly before it expires and redacted from logs. The storage client takes any
 * object with `getRequestHeaders` as its auth client; its bundled auth library would only ever
 * exchange at Google's fixed token URL.
 */
import type { HttpClient } from '@sluice/plugin-sdk';
import { loadServiceAccountKey, ServiceAccountTokenSource, serviceAccountKeySecrets, type ServiceAccountKey } from '@sluice/plugin-sdk/node';

export const STORAGE_SCOPE = 'https://www.googleapis.com/auth/devstorage.read_write';

export interface StorageAuthClient {
  getRequestHeaders(url?: string): Promise<Record<string, string>>;
  getCredentials(): Promise<{ client_email?: string }>;
}

export interface ServiceAccountAuth {
  key: ServiceAccountKey;
  client: StorageAuthClient;
}

export function serviceAccountAuth(source: string, deps: { http: HttpClient; now: () => number; redact: (secret: string) => void }): ServiceAccountAuth {
  let key: ServiceAccountKey;
  try {
    key = loadServiceAccountKey(source);
  } catch (err) {
    throw new Error(`GCS_PATH_SERVICE_ACCOUNT: ${(err as Error).message}`);
  }
  for (const secret of serviceAccountKeySecrets(key)) deps.redact(secret);
  const tokens = new ServiceAccountTokenSource(deps.http, key, { now: deps.now, timeoutMs: 10_000, onToken: deps.redact, scope: STORAGE_SCOPE });
  return {
    key,
    client: {
      async getRequestHeaders() {
        return { Authorization: `Bearer ${await tokens.get()}` };
      },
      async getCredentials() {
        return { client_email: key.clientEmail };
      },
    },
  };
}
