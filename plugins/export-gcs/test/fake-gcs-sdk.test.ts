/**
 * The fake GCS the export-gcs tests write to, proven first with the official
 * `@google-cloud/storage` client alone: `file.save` (multipart upload, with the client's own
 * md5/crc32c validation of what the fake answers), `file.download`, `getFiles` by prefix, a missing
 * bucket's 404, and the bearer check once required.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Storage } from '@google-cloud/storage';
import { startFakeGcs, type FakeGcs } from './fake-gcs.js';

describe('the fake GCS driven by @google-cloud/storage', () => {
  let fake: FakeGcs;
  let storage: Storage;
  beforeAll(async () => {
    fake = await startFakeGcs(['llm-logs']);
    storage = new Storage({ apiEndpoint: fake.url, projectId: fake.projectId, retryOptions: { autoRetry: false } });
  });
  afterAll(() => fake.close());

  it('saves an object and downloads it again', async () => {
    const file = storage.bucket('llm-logs').file('2026-12-07/chatcmpl-1');
    await file.save('{"id":"req-1"}', { resumable: false, contentType: 'application/json' });
    const [data] = await file.download();
    expect(data.toString('utf8')).toBe('{"id":"req-1"}');
    expect(fake.objects.get('llm-logs/2026-12-07/chatcmpl-1')).toMatchObject({ uploadType: 'multipart', contentType: 'application/json' });
    const [meta] = await file.getMetadata();
    expect(meta).toMatchObject({ name: '2026-12-07/chatcmpl-1', size: '14', contentType: 'application/json' });
  });

  it('lists objects under a prefix', async () => {
    await storage.bucket('llm-logs').file('2026-12-08/other').save('{}', { resumable: false });
    const [files] = await storage.bucket('llm-logs').getFiles({ prefix: '2026-12-07/' });
    expect(files.map((f) => f.name)).toEqual(['2026-12-07/chatcmpl-1']);
  });

  it("answers a missing bucket with Google's 404", async () => {
    await expect(storage.bucket('nope').file('x').save('{}', { resumable: false })).rejects.toMatchObject({ code: 404 });
  });

  it('refuses a call without a token it issued, once tokens are required', async () => {
    fake.requireToken = true;
    try {
      await expect(storage.bucket('llm-logs').file('y').save('{}', { resumable: false })).rejects.toMatchObject({ code: 401 });
      fake.tokensIssued.push('ya29.known');
      const authed = new Storage({
        apiEndpoint: fake.url,
        projectId: fake.projectId,
        useAuthWithCustomEndpoint: true,
        retryOptions: { autoRetry: false },
        // Any object with getRequestHeaders is an auth client to the library.
        authClient: { getRequestHeaders: async () => ({ Authorization: 'Bearer ya29.known' }), getCredentials: async () => ({}) } as never,
      });
      await authed.bucket('llm-logs').file('y').save('{}', { resumable: false });
      expect(fake.calls.at(-1)).toMatchObject({ method: 'POST', authorization: 'Bearer ya29.known' });
    } finally {
      fake.requireToken = false;
    }
  });
});
