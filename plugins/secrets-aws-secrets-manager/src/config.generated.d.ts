/* eslint-disable */
/**
 * GENERATED from plugins/secrets-aws-secrets-manager/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * AWS Secrets Manager as a secret resolver and virtual-key store (LiteLLM general_settings.key_management_settings).
 */
export interface SecretsAwsSecretsManagerConfig {
  /**
   * When set, only these names are read from Secrets Manager; every other reference comes from the environment.
   */
  hosted_keys?: string[];
  /**
   * Store the virtual keys the gateway generates in Secrets Manager (needs access_mode write_only or read_and_write).
   */
  store_virtual_keys?: boolean;
  /**
   * Prefix of the secret name a stored virtual key gets.
   */
  prefix_for_stored_virtual_keys?: string;
  /**
   * read_only: resolve references only; write_only: store keys only, resolve nothing; read_and_write: both.
   */
  access_mode?: 'read_only' | 'write_only' | 'read_and_write';
  /**
   * Read every reference from this one secret, a JSON object of NAME: value pairs, instead of one secret per name.
   */
  primary_secret_name?: string;
  /**
   * Description attached to the secrets the gateway creates.
   */
  description?: string;
  /**
   * Tags attached to the secrets the gateway creates (Key: Value).
   */
  tags?: {
    [k: string]: string;
  };
  /**
   * AWS region of Secrets Manager (else AWS_REGION_NAME, AWS_REGION or AWS_DEFAULT_REGION).
   */
  aws_region_name?: string;
  /**
   * ARN of an IAM role to assume (STS AssumeRole, or AssumeRoleWithWebIdentity with aws_web_identity_token).
   */
  aws_role_name?: string;
  /**
   * Session name of the assumed role (generated when absent).
   */
  aws_session_name?: string;
  /**
   * External id the role's trust policy requires (cross-account access).
   */
  aws_external_id?: string;
  /**
   * Profile of ~/.aws/credentials and ~/.aws/config to sign with (or to assume aws_role_name from).
   */
  aws_profile_name?: string;
  /**
   * OIDC token for AssumeRoleWithWebIdentity of aws_role_name (for IRSA the default chain reads AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN instead).
   */
  aws_web_identity_token?: string;
  /**
   * STS endpoint URL for role assumption (VPC endpoint, or a local STS in tests).
   */
  aws_sts_endpoint?: string;
  /**
   * Regions a created secret is replicated to (ReplicateSecretToRegions, best effort: a failure is logged, the key is kept).
   */
  replica_regions?: string[];
  /**
   * KMS key that encrypts the secrets the gateway creates (else the account's aws/secretsmanager key).
   */
  kms_key_id?: string;
  /**
   * Secrets Manager endpoint URL (AWS_ENDPOINT_URL_SECRETS_MANAGER or AWS_ENDPOINT_URL, as the SDK reads them): a VPC endpoint or a local server.
   */
  endpoint_url?: string;
  /**
   * Seconds a value read is cached; the gateway re-reads its references at this interval and applies changed values (LiteLLM SECRET_MANAGER_REFRESH_INTERVAL).
   */
  refresh_interval?: number | string;
}
