/**
 * The local S3 server the export-s3 tests write to, proven first with the official AWS SDK alone:
 * PutObject with LiteLLM's headers, GetObject, ListObjectsV2 by prefix, path-style addressing, and
 * requests from an access key the server does not know refused (s3rver checks the key id of a
 * SigV4 request, not its signature).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3RVER_CREDENTIALS, startS3Store, type S3Store } from './s3-store.js';

describe('s3rver driven by @aws-sdk/client-s3', () => {
  let store: S3Store;
  let client: S3Client;
  beforeAll(async () => {
    store = await startS3Store();
    client = new S3Client({
      region: 'us-east-1',
      endpoint: store.url,
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  });
  afterAll(async () => {
    client.destroy();
    await store.close();
  });

  it('stores an object with PutObject and returns it with GetObject', async () => {
    const body = JSON.stringify({ id: 'req-1', status: 'success' });
    await client.send(
      new PutObjectCommand({
        Bucket: store.bucket,
        Key: 'logs/2026-12-07/time-10-00-00-000000_req-1.json',
        Body: body,
        ContentType: 'application/json',
        ContentDisposition: 'inline; filename="time-2026-12-07T10-00-00-000000_req-1.json"',
        CacheControl: 'private, immutable, max-age=31536000, s-maxage=0',
      }),
    );
    const got = await client.send(new GetObjectCommand({ Bucket: store.bucket, Key: 'logs/2026-12-07/time-10-00-00-000000_req-1.json' }));
    expect(await got.Body!.transformToString()).toBe(body);
    expect(got.ContentType).toBe('application/json');
    expect(got.ContentDisposition).toBe('inline; filename="time-2026-12-07T10-00-00-000000_req-1.json"');
    // Path style: the bucket is the first path segment on the wire.
    expect(store.requests.some((r) => r.method === 'PUT' && r.url.startsWith(`/${store.bucket}/logs/2026-12-07/`))).toBe(true);
  });

  it('lists objects under a prefix with ListObjectsV2', async () => {
    await client.send(new PutObjectCommand({ Bucket: store.bucket, Key: 'other/a.json', Body: '{}' }));
    const listed = await client.send(new ListObjectsV2Command({ Bucket: store.bucket, Prefix: 'logs/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['logs/2026-12-07/time-10-00-00-000000_req-1.json']);
  });

  it('refuses an access key it does not know', async () => {
    const wrong = new S3Client({ region: 'us-east-1', endpoint: store.url, forcePathStyle: true, credentials: { accessKeyId: 'AKIA-UNKNOWN', secretAccessKey: 'x' } });
    await expect(wrong.send(new PutObjectCommand({ Bucket: store.bucket, Key: 'x.json', Body: '{}' }))).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
    wrong.destroy();
  });
});
