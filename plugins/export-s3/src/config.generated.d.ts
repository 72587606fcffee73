/* eslint-disable */
/**
 * GENERATED from plugins/export-s3/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * LiteLLM's S3 logging callback (`callbacks: ["s3"]` or `["s3_v2"]`) configured by `litellm_settings.s3_callback_params`.
 */
export interface ExportS3Config {
  /**
   * LiteLLM's litellm_settings.s3_callback_params. Values may be `os.environ/NAME` references. Keys LiteLLM knows but Sluice does not use (s3_aws_role_name, s3_aws_web_identity_token, s3_aws_sts_endpoint, s3_aws_session_name) are accepted and reported at start: the AWS SDK's default credential chain covers those set-ups.
   */
  s3_callback_params?: {
    /**
     * The bucket the logs go to (required).
     */
    s3_bucket_name?: string;
    /**
     * AWS region of the bucket. Default: the SDK's (AWS_REGION), else us-east-1.
     */
    s3_region_name?: string;
    /**
     * boto3's api_version; accepted for compatibility, the AWS SDK for JavaScript has only one S3 API version.
     */
    s3_api_version?: string;
    /**
     * false: an `s3_endpoint_url` without a scheme is reached over http. Default true.
     */
    s3_use_ssl?: boolean | string;
    /**
     * TLS verification: false turns it off (self-signed test stores), a string is the path of a CA bundle. Default: verify.
     */
    s3_verify?: boolean | string;
    /**
     * An S3-compatible endpoint (MinIO, R2, a local s3rver). Objects are then addressed path-style unless s3_use_virtual_hosted_style.
     */
    s3_endpoint_url?: string;
    /**
     * Access key id. Absent: the AWS SDK's default credential chain (env, profile, web identity, instance role).
     */
    s3_aws_access_key_id?: string;
    /**
     * Secret access key.
     */
    s3_aws_secret_access_key?: string;
    /**
     * Session token of temporary credentials.
     */
    s3_aws_session_token?: string;
    /**
     * A profile of the shared AWS config files to take credentials from.
     */
    s3_aws_profile_name?: string;
    /**
     * boto3 Config as a dict; `s3.addressing_style` (`path` / `virtual`) is honoured, other keys are reported and ignored.
     */
    s3_config?: {};
    /**
     * Key prefix (folder) every object goes under.
     */
    s3_path?: string;
    /**
     * Put objects under the calling key's team alias (`{s3_path}/{team_alias}/…`), as LiteLLM does.
     */
    s3_use_team_prefix?: boolean | string;
    /**
     * Put objects under the calling key's alias (after the team alias when both are on).
     */
    s3_use_key_prefix?: boolean | string;
    /**
     * Address a custom endpoint virtual-hosted style (`bucket.host`) instead of path style.
     */
    s3_use_virtual_hosted_style?: boolean | string;
    /**
     * Drop file and other non-text content parts from logged messages and replace inline base64 data with [BASE64_REDACTED], as LiteLLM does.
     */
    s3_strip_base64_files?: boolean | string;
    /**
     * Log the request but not the response (`response: null`), as LiteLLM's s3_log_prompts_only / S3_LOG_PROMPTS_ONLY.
     */
    s3_log_prompts_only?: boolean | string;
    /**
     * Seconds between uploads of the queued logs. Default 10 (LiteLLM's DEFAULT_S3_FLUSH_INTERVAL_SECONDS).
     */
    s3_flush_interval?: number | string;
    /**
     * Logs per upload round (one PutObject each, sent concurrently); reaching it uploads at once. Default 512 (LiteLLM's DEFAULT_S3_BATCH_SIZE).
     */
    s3_batch_size?: number | string;
    /**
     * x-amz-server-side-encryption of every object: AES256, aws:kms or aws:kms:dsse.
     */
    s3_server_side_encryption?: string;
    /**
     * The KMS key for aws:kms encryption (implies aws:kms when s3_server_side_encryption is unset; ignored with a warning for AES256).
     */
    s3_sse_kms_key_id?: string;
    [k: string]: unknown;
  };
  /**
   * LiteLLM's S3_LOG_PROMPTS_ONLY environment variable; s3_callback_params.s3_log_prompts_only wins over it.
   */
  s3_log_prompts_only?: boolean | string;
}
