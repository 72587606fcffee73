/* eslint-disable */
/**
 * GENERATED from plugins/api-moderations/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * OpenAI's moderations API on the gateway: /v1/moderations, routed to the deployments that serve it.
 */
export interface ApiModerationsConfig {
  /**
   * Model group every moderation is sent to, whatever the request names (LiteLLM: general_settings.moderation_model, the proxy's server default). Unset: the request's `model`, else OpenAI's default moderation model.
   */
  moderation_model?: string;
  /**
   * Most items an `input` array may hold (400 above it). Default 2048.
   */
  max_inputs?: number;
}
