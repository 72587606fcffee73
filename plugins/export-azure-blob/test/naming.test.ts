/**
 * The names and endpoints the logger derives, without a server: LiteLLM's `<YYYY-MM-DD>/<id>.json`
 * from the payload alone (so a retry overwrites), ids a client chose kept to one path segment, and
 * the blob endpoint for sovereign clouds (AZURE_STORAGE_ENDPOINT_SUFFIX) and Data Lake URLs.
 */
import { describe, expect, it } from 'vitest';
import { accountNameOf, blobEndpoint, credentialFor } from '../src/azure-credential.js';
import { blobName } from '../src/blob-naming.js';

describe('blob names', () => {
  it("is <UTC day of the call's start>/<call id>.json, the same on every attempt", () => {
    const payload = { id: 'chatcmpl-1', startTime: Date.UTC(2026, 0, 31, 23, 59, 59) / 1000 };
    expect(blobName(payload)).toBe('2026-01-31/chatcmpl-1.json');
    expect(blobName({ ...payload })).toBe(blobName(payload));
  });

  it('keeps a client-chosen id inside its day folder', () => {
    expect(blobName({ id: '../../etc/passwd', startTime: 0 })).toBe('1970-01-01/__.._etc_passwd.json');
    expect(blobName({ id: 'a b?c#d', startTime: 0 })).toBe('1970-01-01/a_b_c_d.json');
    expect(blobName({ startTime: 0 })).toBeUndefined();
  });
});

describe('endpoints and credentials', () => {
  it('builds https://<account>.blob.<suffix>, takes an account URL as given, and turns a .dfs. host into .blob.', () => {
    expect(blobEndpoint({ accountName: 'acct' })).toBe('https://acct.blob.core.windows.net');
    expect(blobEndpoint({ accountName: 'acct', endpointSuffix: 'core.usgovcloudapi.net' })).toBe('https://acct.blob.core.usgovcloudapi.net');
    expect(blobEndpoint({ accountUrl: 'https://acct.dfs.core.windows.net/' })).toBe('https://acct.blob.core.windows.net');
    expect(blobEndpoint({ accountUrl: 'http://127.0.0.1:10000/devstoreaccount1' })).toBe('http://127.0.0.1:10000/devstoreaccount1');
    expect(accountNameOf({ accountUrl: 'http://127.0.0.1:10000/devstoreaccount1' })).toBe('devstoreaccount1');
    expect(accountNameOf({ accountUrl: 'https://acct.dfs.core.windows.net' })).toBe('acct');
    expect(() => blobEndpoint({})).toThrow(/AZURE_STORAGE_ACCOUNT_NAME/);
  });

  it("picks LiteLLM's order: account key, then client secret, then the default credential chain", () => {
    expect(credentialFor({ accountName: 'a', accountKey: Buffer.from('k').toString('base64'), tenantId: 't' }).kind).toBe('account_key');
    expect(credentialFor({ tenantId: 't', clientId: 'c', clientSecret: 's' }).kind).toBe('client_secret');
    expect(credentialFor({}).kind).toBe('default_azure_credential');
    expect(() => credentialFor({ tenantId: 't', clientSecret: 's' })).toThrow('Missing required environment variable: AZURE_STORAGE_CLIENT_ID');
  });
});
