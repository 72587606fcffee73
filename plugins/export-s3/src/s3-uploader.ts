/**
 * Sends a batch of logged calls to S3: one PutObject per payload (S3 has no batch put; LiteLLM
 * uploads each element too), a bounded number at a time, with the headers LiteLLM's logger sets.
 * A batch is acknowledged only when every object is written; otherwise LogDelivery sends it again,
 * and the objects already written are overwritten under the same keys.
 */
import { PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import type { DeliveryBatch } from '@sluice/plugin-sdk/node';
import type { StandardLoggingPayload } from '@sluice/plugin-sdk';
import { downloadFileName, s3ObjectKey } from './object-key.js';
import type { S3Settings } from './s3-settings.js';

/** PutObjects in flight per batch: enough to keep a batch short, few enough not to flood a small store. */
const UPLOAD_CONCURRENCY = 16;

export class S3Uploader {
  private readonly client: S3Client;

  constructor(private readonly settings: S3Settings) {
    this.client = new S3Client(settings.client);
  }

  /** The PutObject LiteLLM's logger makes for one payload (`text` is its JSON). */
  putObjectInput(payload: StandardLoggingPayload, text: string): PutObjectCommandInput {
    const s = this.settings;
    return {
      Bucket: s.bucket,
      Key: s3ObjectKey(payload, { s3Path: s.s3Path, teamPrefix: s.teamPrefix, keyPrefix: s.keyPrefix }),
      Body: text,
      ContentType: 'application/json',
      ContentLanguage: 'en',
      ContentDisposition: `inline; filename="${downloadFileName(payload)}"`,
      CacheControl: 'private, immutable, max-age=31536000, s-maxage=0',
      ...(s.serverSideEncryption && { ServerSideEncryption: s.serverSideEncryption as PutObjectCommandInput['ServerSideEncryption'] }),
      ...(s.sseKmsKeyId && { SSEKMSKeyId: s.sseKmsKeyId }),
    };
  }

  async send(batch: DeliveryBatch<StandardLoggingPayload>): Promise<void> {
    const items = batch.items();
    let next = 0;
    let failed: Error | undefined;
    const worker = async (): Promise<void> => {
      while (next < items.length && !failed && !batch.signal.aborted) {
        const i = next++;
        try {
          await this.client.send(new PutObjectCommand(this.putObjectInput(items[i]!, batch.texts[i]!)), { abortSignal: batch.signal });
        } catch (err) {
          failed ??= err as Error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(UPLOAD_CONCURRENCY, items.length) }, worker));
    if (failed) throw new Error(`PutObject to bucket ${this.settings.bucket} failed: ${describe(failed)}`);
  }

  destroy(): void {
    this.client.destroy();
  }
}

/** The SDK's error name and message (`NoSuchBucket: The specified bucket does not exist`), or the network error. */
function describe(err: Error): string {
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return `${err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}${status ? ` (HTTP ${status})` : ''}`;
}
