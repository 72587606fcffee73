/**
 * LiteLLM's GCS object names (litellm/integrations/gcs_bucket/gcs_bucket.py):
 * - batched (GCS_USE_BATCHED_LOGGING, the default): `{YYYY-MM-DD}/batch-{batch id}.ndjson`, one
 *   payload per line;
 * - one per call: `{YYYY-MM-DD}/{response id}` for a success, `{YYYY-MM-DD}/failure-{…}` for a failure;
 * - a bucket named `bucket/folder/sub` puts every name under `folder/sub/`.
 *
 * LiteLLM takes the date and a random batch id at upload time. Here both come from the logged
 * calls themselves (the first call's start time and request id; a failure's request id), so a
 * batch LogDelivery sends again after a lost acknowledgement overwrites its object instead of
 * writing a second copy.
 */
import { createHash } from 'node:crypto';
import type { StandardLoggingPayload } from '@sluice/plugin-sdk';

/** `my-bucket/logs/prod` → `{bucket: 'my-bucket', prefix: 'logs/prod/'}` (LiteLLM's _handle_folders_in_bucket_name). */
export function splitBucketName(name: string): { bucket: string; prefix: string } {
  const at = name.indexOf('/');
  if (at < 0) return { bucket: name, prefix: '' };
  const folder = name.slice(at + 1).replace(/\/+$/, '');
  return { bucket: name.slice(0, at), prefix: folder ? `${folder}/` : '' };
}

/** UTC `YYYY-MM-DD` of epoch seconds. */
export function objectDate(epochSeconds: number): string {
  return new Date(Math.round(epochSeconds * 1000)).toISOString().slice(0, 10);
}

/** The NDJSON object of a batch, named after its first call. */
export function batchObjectName(first: Pick<StandardLoggingPayload, 'id' | 'startTime'>): string {
  const startMs = Math.round(first.startTime * 1000);
  const digest = createHash('sha256').update(first.id).digest('hex').slice(0, 8);
  return `${objectDate(first.startTime)}/batch-${startMs}-${digest}.ndjson`;
}

/** The object of one call: the response's id for a success, `failure-{request id}` for a failure. */
export function singleObjectName(payload: Pick<StandardLoggingPayload, 'id' | 'startTime' | 'status' | 'error_str' | 'response'>): string {
  const date = objectDate(payload.startTime);
  if (payload.status === 'failure' || payload.error_str !== null) return `${date}/failure-${payload.id}`;
  const response = payload.response;
  const responseId = response && typeof response === 'object' && !Array.isArray(response) && typeof response.id === 'string' && response.id ? response.id : payload.id;
  return `${date}/${responseId}`;
}
