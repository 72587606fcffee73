/**
 * One Azure Storage destination (an account's container / Data Lake file system): the payloads
 * queued for it in a LogDelivery (bounded queue, batches, retries with backoff, spill file), each
 * written as its own block blob with one Put Blob. A Put Blob replaces a blob of the same name, and
 * names depend only on the payload (blob-naming.ts), so a batch retried after a partial failure or
 * replayed after a restart overwrites what already landed rather than duplicating it.
 *
 * LiteLLM writes through the Data Lake API (create, append, flush: three requests a file); on a
 * hierarchical-namespace account a blob named `2026-01-31/<id>.json` is the same file in the same
 * directory, and on a plain blob account the Data Lake API does not exist at all, so the blob API
 * serves both with one request a file.
 */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { LogDelivery, type DeliveryBatch } from '@sluice/plugin-sdk/node';
import type { Logger, Metrics, StandardLoggingPayload } from '@sluice/plugin-sdk';
import { blobName } from './blob-naming.js';
import { blobEndpoint, credentialFor, type AzureStorageSettings, type CredentialKind } from './azure-credential.js';

export interface BlobDestinationOptions {
  /** Names the spill file and the `integration` metric label. */
  name: string;
  settings: AzureStorageSettings;
  dataDir: string;
  log: Logger;
  metrics?: Metrics;
  scrub: (text: string) => string;
  batchSize: number;
  flushIntervalMs: number;
  maxQueued: number;
  timeoutMs: number;
  concurrency: number;
  createContainer: boolean;
}

export class BlobDestination {
  readonly delivery: LogDelivery<StandardLoggingPayload>;
  readonly endpoint: string;
  readonly credentialKind: CredentialKind;
  private readonly container: ContainerClient;
  private containerChecked = false;

  constructor(private readonly opts: BlobDestinationOptions) {
    const { settings } = opts;
    if (!settings.fileSystem) throw new Error('azure_storage: Missing required environment variable: AZURE_STORAGE_FILE_SYSTEM');
    this.endpoint = blobEndpoint(settings);
    const { credential, kind } = credentialFor(settings);
    this.credentialKind = kind;
    // One attempt per request: LogDelivery owns retries (with its backoff, timeout and spill).
    const service = new BlobServiceClient(this.endpoint, credential, { retryOptions: { maxTries: 1 } });
    this.container = service.getContainerClient(settings.fileSystem);
    this.delivery = new LogDelivery<StandardLoggingPayload>({
      name: opts.name,
      dataDir: opts.dataDir,
      log: opts.log,
      metrics: opts.metrics,
      batchSize: opts.batchSize,
      flushIntervalMs: opts.flushIntervalMs,
      maxQueued: opts.maxQueued,
      timeoutMs: opts.timeoutMs,
      send: (batch) => this.send(batch),
    });
  }

  push(payload: StandardLoggingPayload): void {
    this.delivery.push(payload);
  }

  private async send(batch: DeliveryBatch<StandardLoggingPayload>): Promise<void> {
    const items = batch.items();
    const jobs: { name: string; text: string }[] = [];
    items.forEach((payload, i) => {
      const name = blobName(payload);
      if (name) jobs.push({ name, text: `${batch.texts[i]}\n` });
      else this.opts.log.warn('azure_storage: a logging payload without an id was skipped');
    });
    try {
      await this.ensureContainer(batch.signal);
      let next = 0;
      const worker = async () => {
        while (next < jobs.length && !batch.signal.aborted) {
          const job = jobs[next++]!;
          await this.container.getBlockBlobClient(job.name).upload(job.text, Buffer.byteLength(job.text), {
            blobHTTPHeaders: { blobContentType: 'application/json' },
            abortSignal: batch.signal,
          });
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.opts.concurrency, jobs.length) }, worker));
    } catch (err) {
      // LogDelivery logs the reason; keep credentials (a SAS, a key echoed back) out of it.
      throw new Error(this.opts.scrub(describe(err)));
    }
  }

  /** Once per destination: the container must exist; created when allowed (Azurite, a new account). */
  private async ensureContainer(signal: AbortSignal): Promise<void> {
    if (this.containerChecked) return;
    if (this.opts.createContainer) {
      try {
        await this.container.createIfNotExists({ abortSignal: signal });
      } catch (err) {
        // A data-plane role (Storage Blob Data Contributor) may write blobs but not create
        // containers: go on, the uploads say whether the container is really missing.
        if ((err as { statusCode?: number }).statusCode !== 403) throw err;
      }
    } else if (!(await this.container.exists({ abortSignal: signal }))) throw new Error(`container ${this.container.containerName} does not exist at ${this.endpoint}`);
    this.containerChecked = true;
  }

  flush(): Promise<void> {
    return this.delivery.flush();
  }

  close(): Promise<void> {
    return this.delivery.close();
  }
}

/** An Azure RestError says what failed in `code` (ContainerNotFound, AuthenticationFailed) and `statusCode`. */
function describe(err: unknown): string {
  const e = err as { message?: string; code?: string; statusCode?: number };
  const parts = [e.statusCode ? `HTTP ${e.statusCode}` : undefined, e.code, e.message?.split('\n')[0]].filter(Boolean);
  return `azure_storage upload failed: ${parts.join(' ') || String(err)}`;
}
