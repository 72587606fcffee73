/* eslint-disable */
/**
 * GENERATED from plugins/api-audio/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * OpenAI's audio API on the gateway: /v1/audio/transcriptions, /v1/audio/translations and /v1/audio/speech, routed to the deployments that serve them.
 */
export interface ApiAudioConfig {
  /**
   * Largest multipart request a transcription or translation takes, bytes, the audio file and the form fields together (413 above it). Default 26214400 (25 MiB), OpenAI's file limit.
   */
  max_upload_bytes?: number;
  /**
   * Whole-call timeout of one transcription or translation attempt, seconds, instead of the deployment's own (`litellm_params.timeout`, else LiteLLM's `request_timeout`, default 600 s). Unset: the deployment's applies. Speech streams keep the deployment's timeouts.
   */
  timeout_s?: number;
  /**
   * Longest `input` /v1/audio/speech accepts, characters (400 above it). Default 4096, OpenAI's limit.
   */
  max_speech_input_chars?: number;
}
