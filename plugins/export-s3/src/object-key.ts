/**
 * LiteLLM's S3 object keys (litellm/integrations/s3.py `get_s3_object_key`, s3_v2.py): one object
 * per logged call at `{s3_path}/{team_alias}/{key_alias}/{YYYY-MM-DD}/time-{HH-MM-SS-ffffff}_{id}.json`.
 * The key depends only on the payload (its start time and request id), so a batch sent twice
 * overwrites the same objects instead of duplicating them.
 *
 * LiteLLM formats the start time in the proxy's local time zone; Sluice uses UTC so that two
 * gateways in different zones write the same key for the same call.
 */
import { createHash } from 'node:crypto';

/** S3's limit on a key, in UTF-8 bytes. */
export const MAX_S3_OBJECT_KEY_BYTES = 1024;
/** S3's limit on a metadata header, bounding the Content-Disposition filename. */
const MAX_DOWNLOAD_FILENAME_BYTES = 1024;
/** How much of an over-long file name is kept before its digest. */
const BOUNDED_FILE_NAME_HEAD_BYTES = 128;

export interface ObjectKeyOptions {
  s3Path?: string;
  teamPrefix: boolean;
  keyPrefix: boolean;
}

/** What the key is made of: the payload's id, start time and the caller's aliases. */
export interface KeyedPayload {
  id: string;
  startTime: number;
  metadata: { user_api_key_team_alias: string | null; user_api_key_alias: string | null };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `{date: 'YYYY-MM-DD', time: 'HH-MM-SS-ffffff'}` of epoch seconds, UTC. */
export function keyTime(epochSeconds: number): { date: string; time: string } {
  const ms = Math.round(epochSeconds * 1000);
  const d = new Date(ms);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  // Sluice's clock has millisecond resolution: the microseconds strftime's %f prints end in 000.
  const time = `${pad(d.getUTCHours())}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}-${pad(d.getUTCMilliseconds() * 1000, 6)}`;
  return { date, time };
}

/** The object key LiteLLM's S3 logger writes the payload under. */
export function s3ObjectKey(payload: KeyedPayload, opts: ObjectKeyOptions): string {
  const prefix: string[] = [];
  if (opts.teamPrefix && payload.metadata.user_api_key_team_alias) prefix.push(payload.metadata.user_api_key_team_alias);
  if (opts.keyPrefix && payload.metadata.user_api_key_alias) prefix.push(payload.metadata.user_api_key_alias);
  const prefixPath = prefix.length > 0 ? `${prefix.join('/')}/` : '';
  const { date, time } = keyTime(payload.startTime);
  const fileName = `time-${time}_${payload.id}`;
  const configured = (opts.s3Path ? `${opts.s3Path.replace(/\/+$/, '')}/` : '') + prefixPath;
  const dateSegment = `${date}/`;
  const key = `${configured}${dateSegment}${fileName.replaceAll('/', '_')}.json`;
  if (bytes(key) <= MAX_S3_OBJECT_KEY_BYTES) return key;
  // Shorten the file name, never the prefix, so prefix-scoped IAM policies and lifecycle rules still match.
  const budget = MAX_S3_OBJECT_KEY_BYTES - bytes(dateSegment) - bytes('.json') - bytes(configured);
  return `${configured}${dateSegment}${boundedFileName(fileName, Math.max(budget, 65))}.json`;
}

/** The `Content-Disposition` filename LiteLLM sets: `time-{YYYY-MM-DDTHH-MM-SS-ffffff}_{id}.json`. */
export function downloadFileName(payload: Pick<KeyedPayload, 'id' | 'startTime'>): string {
  const { date, time } = keyTime(payload.startTime);
  const name = `time-${date}T${time}_${payload.id.replace(/[/"]/g, '_')}`;
  const budget = MAX_DOWNLOAD_FILENAME_BYTES - bytes('.json');
  return `${bytes(name) <= budget ? name : boundedFileName(name, budget)}.json`;
}

function boundedFileName(name: string, maxBytes: number): string {
  const digest = createHash('sha256').update(name).digest('hex');
  const head = truncateUtf8(name.replaceAll('/', '_'), Math.min(BOUNDED_FILE_NAME_HEAD_BYTES, maxBytes - digest.length - 1));
  return head ? `${head}_${digest}` : digest;
}

function truncateUtf8(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  // A cut inside a multi-byte character decodes to U+FFFD: drop it.
  return buf.subarray(0, maxBytes).toString('utf8').replace(/\uFFFD+$/, '');
}

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
