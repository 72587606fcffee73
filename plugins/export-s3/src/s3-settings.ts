/**
 * `litellm_settings.s3_callback_params` → what the uploader needs: the S3 client's configuration,
 * the bucket, the key layout, encryption and batching. Read once at start. Values arrive with
 * `os.environ/` references already resolved by the kernel; booleans and numbers may then be
 * strings ("true", "10"), as LiteLLM accepts them.
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import type { ExportS3Config } from './config.generated.js';

/** LiteLLM's DEFAULT_S3_FLUSH_INTERVAL_SECONDS and DEFAULT_S3_BATCH_SIZE. */
export const DEFAULT_S3_FLUSH_INTERVAL_SECONDS = 10;
export const DEFAULT_S3_BATCH_SIZE = 512;

/** LiteLLM parameters with no counterpart here: accepted, reported once at start. */
const UNUSED_PARAMS = ['s3_aws_role_name', 's3_aws_web_identity_token', 's3_aws_sts_endpoint', 's3_aws_session_name', 's3_api_version'];

export interface S3Settings {
  bucket: string;
  client: S3ClientConfig;
  s3Path?: string;
  teamPrefix: boolean;
  keyPrefix: boolean;
  stripBase64Files: boolean;
  promptsOnly: boolean;
  serverSideEncryption?: string;
  sseKmsKeyId?: string;
  flushIntervalMs: number;
  batchSize: number;
  /** Secret values to scrub from the gateway's logs. */
  secrets: string[];
  /** Problems worth a warning that do not stop the plugin. */
  warnings: string[];
}

export class S3SettingsError extends Error {}

const truthy = (v: unknown): boolean => v === true || (typeof v === 'string' && /^(true|1|yes)$/i.test(v.trim()));
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

function positive(v: unknown, name: string, fallback: number, warnings: string[]): number {
  if (v === undefined || v === null || v === '') return fallback;
  const n = Number(v);
  if (Number.isFinite(n) && n > 0) return n;
  warnings.push(`s3_callback_params.${name} is not a positive number (${JSON.stringify(v)}); using ${fallback}`);
  return fallback;
}

export function readS3Settings(config: ExportS3Config): S3Settings {
  const p = (config.s3_callback_params ?? {}) as NonNullable<ExportS3Config['s3_callback_params']> & Record<string, unknown>;
  const warnings: string[] = [];
  const bucket = text(p.s3_bucket_name);
  if (!bucket) throw new S3SettingsError('litellm_settings.s3_callback_params.s3_bucket_name is required for the s3 logging callback');

  const client: S3ClientConfig = {
    region: text(p.s3_region_name) ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    // LogDelivery retries with backoff and spills; a retry inside the SDK would only hold the batch longer.
    maxAttempts: 1,
    // S3-compatible stores (older MinIO, s3rver, Ceph) refuse the SDK's default flexible checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  const endpoint = text(p.s3_endpoint_url);
  const useSsl = p.s3_use_ssl === undefined || p.s3_use_ssl === null ? true : truthy(p.s3_use_ssl);
  if (endpoint) {
    client.endpoint = /^[a-z]+:\/\//i.test(endpoint) ? endpoint : `${useSsl ? 'https' : 'http'}://${endpoint}`;
    client.forcePathStyle = !truthy(p.s3_use_virtual_hosted_style);
  }
  const addressing = (p.s3_config as { s3?: { addressing_style?: unknown } } | undefined)?.s3?.addressing_style;
  if (addressing === 'path') client.forcePathStyle = true;
  else if (addressing === 'virtual') client.forcePathStyle = false;
  if (p.s3_config !== undefined) {
    const other = Object.keys(p.s3_config).filter((k) => k !== 's3');
    if (other.length > 0) warnings.push(`s3_callback_params.s3_config: ${other.join(', ')} have no effect here (only s3.addressing_style is used)`);
  }

  const verify = p.s3_verify;
  if (verify === false || (typeof verify === 'string' && /^(false|0|no)$/i.test(verify.trim()))) {
    client.requestHandler = { httpsAgent: new HttpsAgent({ rejectUnauthorized: false, keepAlive: true }) };
  } else if (typeof verify === 'string' && verify.trim() !== '' && !/^(true|1|yes)$/i.test(verify.trim())) {
    let ca: Buffer;
    try {
      ca = readFileSync(verify.trim());
    } catch (err) {
      throw new S3SettingsError(`s3_callback_params.s3_verify: cannot read the CA bundle ${verify} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    client.requestHandler = { httpsAgent: new HttpsAgent({ ca, keepAlive: true }) };
  }

  const secrets: string[] = [];
  const accessKeyId = text(p.s3_aws_access_key_id);
  const secretAccessKey = text(p.s3_aws_secret_access_key);
  const sessionToken = text(p.s3_aws_session_token);
  if (accessKeyId && secretAccessKey) {
    client.credentials = { accessKeyId, secretAccessKey, ...(sessionToken && { sessionToken }) };
    secrets.push(secretAccessKey, ...(sessionToken ? [sessionToken] : []));
  } else if (accessKeyId || secretAccessKey) {
    throw new S3SettingsError('s3_callback_params: s3_aws_access_key_id and s3_aws_secret_access_key go together; set both or neither');
  } else if (text(p.s3_aws_profile_name)) {
    client.credentials = fromIni({ profile: text(p.s3_aws_profile_name) });
  }
  for (const name of UNUSED_PARAMS) {
    if (p[name] !== undefined) warnings.push(`s3_callback_params.${name} has no effect here; the AWS SDK's default credential chain (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE, profiles, instance roles) is used when no access key is set`);
  }

  const { serverSideEncryption, sseKmsKeyId } = sseParams(p.s3_server_side_encryption, p.s3_sse_kms_key_id, warnings);
  return {
    bucket,
    client,
    s3Path: text(p.s3_path),
    teamPrefix: truthy(p.s3_use_team_prefix),
    keyPrefix: truthy(p.s3_use_key_prefix),
    stripBase64Files: truthy(p.s3_strip_base64_files),
    promptsOnly: truthy(p.s3_log_prompts_only ?? config.s3_log_prompts_only),
    serverSideEncryption,
    sseKmsKeyId,
    flushIntervalMs: positive(p.s3_flush_interval, 's3_flush_interval', DEFAULT_S3_FLUSH_INTERVAL_SECONDS, warnings) * 1000,
    batchSize: Math.ceil(positive(p.s3_batch_size, 's3_batch_size', DEFAULT_S3_BATCH_SIZE, warnings)),
    secrets,
    warnings,
  };
}

/** LiteLLM's resolve_sse_params: a KMS key alone implies aws:kms; a KMS key with AES256 is dropped. */
function sseParams(sse: unknown, kmsKey: unknown, warnings: string[]): { serverSideEncryption?: string; sseKmsKeyId?: string } {
  const algorithm = text(sse) ?? (text(kmsKey) ? 'aws:kms' : undefined);
  if (!algorithm) return {};
  const key = text(kmsKey);
  if (key && !algorithm.startsWith('aws:kms')) {
    warnings.push(`s3_callback_params.s3_sse_kms_key_id is ignored because s3_server_side_encryption is ${algorithm}; set it to aws:kms to encrypt with the KMS key`);
    return { serverSideEncryption: algorithm };
  }
  return { serverSideEncryption: algorithm, ...(key && { sseKmsKeyId: key }) };
}
