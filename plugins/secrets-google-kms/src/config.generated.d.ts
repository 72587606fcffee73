/* eslint-disable */
/**
 * GENERATED from plugins/secrets-google-kms/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Google Cloud KMS as LiteLLM's `key_management_system: google_kms`: environment values holding base64 ciphertext are decrypted with one key.
 */
export interface SecretsGoogleKmsConfig {
  /**
   * The CryptoKey that encrypted the values: projects/P/locations/L/keyRings/R/cryptoKeys/K (GOOGLE_KMS_RESOURCE_NAME).
   */
  resource_name?: string;
  /**
   * A service-account key or workload identity federation (`external_account`) credentials file (GOOGLE_APPLICATION_CREDENTIALS). Unset: Application Default Credentials.
   */
  credentials_file?: string;
  /**
   * The API endpoint, for a private or regional endpoint or a local emulator: `host`, `host:port` or a URL (`http://` only with the rest transport). Default cloudkms.googleapis.com.
   */
  api_endpoint?: string;
  /**
   * `rest` (HTTP/1.1 JSON, default) or `grpc`.
   */
  transport?: 'rest' | 'grpc';
  /**
   * Only these names are decrypted; others are read from the environment as they are (key_management_settings.hosted_keys).
   */
  hosted_keys?: string[];
}
