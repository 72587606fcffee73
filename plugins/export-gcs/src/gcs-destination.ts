/**
 * One GCS destination (a bucket, optionally a folder, and the credentials that write to it) and
 * its own LogDelivery queue, so a team's broken bucket never holds up the gateway's logs.
 */
import { Storage, type StorageOptions } from '@google-cloud/storage';
import type { Logger, Metrics, StandardLoggingPayload } from '@sluice/plugin-sdk';
import { LogDelivery, type DeliveryBatch } from '@sluice/plugin-sdk/node';
import type { StorageAuthClient } from './gcs-auth.js';
import { batchObjectName, singleObjectName, splitBucketName } from './object-names.js';

/** Uploads in flight when each call is its own object. */
const UPLOAD_CONCURRENCY = 8;

export interface DestinationOptions {
  /** LogDelivery's name: the spill file and the `integration` metric label. */
  name: string;
  /** GCS_BUCKET_NAME form: `bucket` or `bucket/folder`. */
  bucketName: string;
  auth?: { client: StorageAuthClient; projectId?: string };
  apiEndpoint?: string;
  batched: boolean;
  batchSize: number;
  flushIntervalMs: number;
  dataDir: string;
  log: Logger;
  metrics: Metrics;
}

export class GcsDestination {
  readonly delivery: LogDelivery<StandardLoggingPayload>;
  private readonly storage: Storage;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(private readonly opts: DestinationOptions) {
    ({ bucket: this.bucket, prefix: this.prefix } = splitBucketName(opts.bucketName));
    const options: StorageOptions = {
      // LogDelivery retries with backoff and spills; the client's own retries would only hold a batch longer.
      retryOptions: { autoRetry: false },
      ...(opts.auth?.projectId && { projectId: opts.auth.projectId }),
      ...(opts.auth && { authClient: opts.auth.client as unknown as StorageOptions['authClient'] }),
      // A custom endpoint skips auth unless asked: keep the service account's token on it.
      ...(opts.apiEndpoint && { apiEndpoint: opts.apiEndpoint, useAuthWithCustomEndpoint: opts.auth !== undefined }),
    };
    this.storage = new Storage(options);
    this.delivery = new LogDelivery<StandardLoggingPayload>({
      name: opts.name,
      send: (batch) => this.send(batch),
      dataDir: opts.dataDir,
      log: opts.log,
      metrics: opts.metrics,
      batchSize: opts.batchSize,
      flushIntervalMs: opts.flushIntervalMs,
      timeoutMs: 60_000,
    });
  }

  private async send(batch: DeliveryBatch<StandardLoggingPayload>): Promise<void> {
    const items = batch.items();
    if (items.length === 0) return;
    if (this.opts.batched) return this.save(batchObjectName(items[0]!), batch.texts.join('\n'));
    let next = 0;
    let failed: unknown;
    const worker = async (): Promise<void> => {
      while (next < items.length && failed === undefined && !batch.signal.aborted) {
        const i = next++;
        await this.save(singleObjectName(items[i]!), batch.texts[i]!).catch((err: unknown) => {
          failed ??= err;
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(UPLOAD_CONCURRENCY, items.length) }, worker));
    if (failed !== undefined) throw failed;
  }

  private async save(name: string, text: string): Promise<void> {
    try {
      await this.storage.bucket(this.bucket).file(this.prefix + name).save(text, { resumable: false, contentType: 'application/json' });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      throw new Error(`upload of ${this.prefix + name} to bucket ${this.bucket} failed: ${(err as Error).message}${typeof code === 'number' ? ` (HTTP ${code})` : ''}`);
    }
  }

  close(): Promise<void> {
    return this.delivery.close();
  }
}
