/* eslint-disable */
/**
 * GENERATED from plugins/secrets-aws-kms/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * AWS KMS decryption of encrypted config values (LiteLLM key_management_system: aws_kms). Signs with the AWS SDK's default credential chain.
 */
export interface SecretsAwsKmsConfig {
  /**
   * Region of the KMS key (AWS_REGION_NAME, as LiteLLM requires it; else AWS_REGION or AWS_DEFAULT_REGION).
   */
  aws_region_name?: string;
  /**
   * KMS endpoint URL (AWS_ENDPOINT_URL_KMS or AWS_ENDPOINT_URL, as the SDK reads them): a VPC endpoint or a local server.
   */
  endpoint_url?: string;
  /**
   * When set, only these names are decrypted; every other reference is read from the environment as it is.
   */
  hosted_keys?: string[];
  /**
   * write_only turns decryption off (KMS stores nothing; LiteLLM reads no secret in write_only mode).
   */
  access_mode?: 'read_only' | 'write_only' | 'read_and_write';
}
