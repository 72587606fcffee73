/* eslint-disable */
/**
 * GENERATED from plugins/api-images/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * OpenAI's images API on the gateway: /v1/images/generations, /v1/images/edits and /v1/images/variations, routed to the deployments that serve them.
 */
export interface ApiImagesConfig {
  /**
   * Model group every generation and edit is sent to, whatever the request names (LiteLLM: general_settings.image_generation_model, the proxy's server default). Unset: the request's `model` (or the Azure path's).
   */
  image_generation_model?: string;
  /**
   * Largest multipart request an edit or variation takes, bytes, every image, the mask and the form fields together (413 above it). Default 52428800 (50 MiB), OpenAI's gpt-image limit per image.
   */
  max_upload_bytes?: number;
  /**
   * Largest single uploaded image or mask, bytes (413 above it). Default 52428800 (50 MiB).
   */
  max_file_bytes?: number;
  /**
   * Most images one edit takes (`image` or `image[]` parts, 413 above it). Default 16, OpenAI's limit for gpt-image edits.
   */
  max_images?: number;
  /**
   * Whole-call timeout of one image attempt, seconds, instead of the deployment's own (`litellm_params.timeout`). Unset: the deployment's applies. Image generation can take a minute or more.
   */
  timeout_s?: number;
}
